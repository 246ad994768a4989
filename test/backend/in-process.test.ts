/** The in-process backend (the addon, in this process) against the backend contract. */
import { InProcessBackend, inProcessBackend } from '../../src/backend/in-process.js';
import { describeBackendContract } from './contract.js';

describeBackendContract('in-process', () => inProcessBackend());

// A backend object of its own (not the environment's default) works the same:
// nothing above the seam reaches for a module singleton.
void InProcessBackend;
