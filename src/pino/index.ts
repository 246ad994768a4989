/**
 * flbhost/pino: the pino transport entry (`pino.transport({ target:
 * 'flbhost/pino', options })`). pino's worker imports this module and calls
 * its default export with the options; see transport.ts.
 */
export { flbhostTransport as default } from './transport.js';
export { flbhostTransport } from './transport.js';
export { MAX_TRANSPORT_GRACE, DEFAULT_TRANSPORT_GRACE, type PinoTransportOptions } from './options.js';
