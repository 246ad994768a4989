/**
 * The isolation backend (every instance in a plugin-host child process of
 * its own) against the backend contract: it must do all that the
 * in-process backend does.
 */
import { ChildProcessBackend } from '../../src/backend/child-process.js';
import { describeBackendContract } from './contract.js';

const backend = new ChildProcessBackend();
describeBackendContract('child process', () => backend);
