/** flbhost's version, from its package.json (as `flbhost --version` prints it). */
export { FLBHOST_VERSION } from '../package-root.js';
