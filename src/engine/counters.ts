/** Per-instance counters, readable at any time through Pipeline.metrics(). */

export interface InputMetrics {
  records: number;
  bytes: number;
  /** Bytes of this input's data buffered in the engine (all outputs). */
  bufferedBytes: number;
  paused: boolean;
  /** Times the input was paused for backpressure. */
  pauses: number;
  /** Records matching no output (counted and logged, as nothing may vanish silently). */
  unroutedRecords: number;
  /** Records refused by a drop policy (only when one was chosen). */
  droppedRecords: number;
  /** Chunks whose data was partly malformed (valid leading events kept). */
  malformedChunks: number;
  /** An isolated .so: times its child died by itself, and was started again (0 in process). */
  crashes: number;
  restarts: number;
}

export interface OutputMetrics {
  /** Delivered: the plugin returned ok. */
  records: number;
  bytes: number;
  chunks: number;
  /** Flushes that returned error (chunk dropped for this output). */
  errors: number;
  /** Retries scheduled. */
  retries: number;
  /** Records in chunks that were retried. */
  retriedRecords: number;
  /** Chunks dropped because their retries ran out. */
  retriesFailed: number;
  /** Records dropped: error results and exhausted retries. */
  droppedRecords: number;
  /** Open, queued, in flight or waiting for a retry. */
  queuedBytes: number;
  queuedChunks: number;
  /**
   * Chunks handed to the plugin and not yet answered: at most `workers` for
   * TypeScript outputs; for .so outputs also those waiting in the native
   * queue (up to half the queue limit in bytes, see OutputPlugin.queuesFlushes).
   */
  inFlight: number;
  /**
   * Flush latency: from hand-over to the plugin until its result reached the
   * engine. For .so outputs it includes the wait in the native queue behind
   * chunks handed over earlier (OutputPlugin.queuesFlushes).
   */
  flushLatencyMs: { count: number; avg: number; max: number };
  /** An isolated .so: times its child died by itself, was killed for a flush past Flush_Timeout, and was started again (0 in process). */
  crashes: number;
  flushTimeouts: number;
  restarts: number;
}

export function emptyInputMetrics(): InputMetrics {
  return { records: 0, bytes: 0, bufferedBytes: 0, paused: false, pauses: 0, unroutedRecords: 0, droppedRecords: 0, malformedChunks: 0, crashes: 0, restarts: 0 };
}
