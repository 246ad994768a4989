/**
 * Why a plugin could not be listed, installed or deleted. `status` is the
 * HTTP status the API answers with; the command maps it to an exit code
 * (400: the request itself is wrong, the others: it failed).
 *
 *   400  an unsafe name or version, a malformed request
 *   404  no such plugin
 *   409  a conflict: no Plugins_Dir, the name@version exists with other
 *        bytes, the plugin is in use, the file is outside the directory
 *   413  larger than the upload bound
 *   422  not a plugin flbhost can load (the probe's error)
 */
import { FlbhostError } from '../errors.js';

export type PluginStoreStatus = 400 | 404 | 409 | 413 | 422;

export class PluginStoreError extends FlbhostError {
  readonly status: PluginStoreStatus;
  /** Anything else worth returning (the instances using a plugin, the candidates of an ambiguous name). */
  readonly details: Record<string, unknown>;

  constructor(status: PluginStoreStatus, message: string, details: Record<string, unknown> = {}) {
    super(`ERR_PLUGIN_STORE_${status}`, message);
    this.status = status;
    this.details = details;
  }
}
