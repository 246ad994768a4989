/**
 * flbhost: run Fluent Bit proxy plugins (Go and C .so files) from Node.js.
 *
 *   const lib = await loadPlugin('./out_loki.so');
 *   const out = await lib.createOutput({ properties: { url: 'http://…' } });
 *   await out.flush('app.logs', [{ record: { msg: 'hello' } }]);
 *   await out.close();
 */
export { loadPlugin, PluginLibrary, PROXY_SYMBOLS, type LoadOptions } from './proxy/library.js';
export { OutputInstance, flushResultOf, MAX_CHUNK_BYTES, type FlushResult, type OutputOptions, type OutputState } from './proxy/output.js';
export { InputInstance, DEFAULT_INPUT_BUFFER_LIMIT, type InputOptions, type InputChunk, type InputEvent, type InputStats } from './proxy/input.js';
export { CustomInstance, type CustomOptions } from './proxy/custom.js';
export { parsePrometheusText, type PluginMetric } from './proxy/metrics.js';
export { inspectPlugin, formatInspectReport, type InspectReport } from './proxy/inspect.js';
export { expandEnv, isReservedKey, prepareProperties, type PluginKind, type PropertiesInput } from './plan/properties.js';
export type { GoBuildInfo, GoModule } from './proxy/go-buildinfo.js';
export { EventTime, toEventTime, type TimeInput } from './events/event-time.js';
export { encodeChunk, ChunkWriter, type LogEvent, type EncodeOptions } from './events/encoder.js';
export { decodeChunk, MsgpackExtension, type DecodedEvent, type DecodeResult, type DecodeFailure } from './events/decoder.js';
export { validateChunk, convertChunk, isChunk, type Chunk, type EventFormat } from './events/chunk.js';
export { Pipeline, type LoadedPlugin, type ReloadReport, type ShutdownReport, type Undelivered, type PipelineMetrics } from './pipeline/pipeline.js';
export type { PipelineConfig, ServiceConfig, InputConfig, OutputConfig, CustomConfig } from './plan/config.js';
export type { InputMetrics, OutputMetrics } from './engine/counters.js';
export type {
  InputPlugin,
  OutputPlugin,
  InputPluginFactory,
  OutputPluginFactory,
  PluginFactory,
  InputContext,
  OutputContext,
  OutputChunk,
  InputSink,
  PluginProperties,
  InstanceSettings,
} from './engine/plugin-api.js';
export { LibInput, type PushOptions, type OverflowPolicy } from './builtin/lib-input.js';
export { callbackOutput, stdinInput, stdoutOutput, builtinPlugins, type CallbackOutputOptions, type CallbackResult, type EventsCallback } from './builtin/index.js';
export { normalizeInputChunk, type NormalizeResult } from './events/normalize.js';
export { FlbhostError, PluginError, ChunkError, ConfigError, FlushCancelledError, ReloadError, type ReloadFailure, type PluginPhase, type PluginErrorDetails } from './errors.js';
export { parseLogLevel, type HostLogger, type LogLevelName } from './logging.js';
export { startHttpServer, MAX_BODY_BYTES, type HttpServerOptions, type RunningHttpServer } from './http/server.js';
export { registerPipelineMetrics, type RegisteredMetrics, type PrometheusFlavour } from './http/prometheus.js';
export { TOKEN_ENV } from './http/auth.js';
export { MAX_PLUGIN_BYTES } from './plugins/install.js';
export { LocalPluginManager, type PluginList, type InstallAnswer, type DeleteAnswer } from './plugins/manager.js';
export type { PluginEntry } from './plugins/catalog.js';
export { PluginStoreError } from './plugins/store-error.js';
export type { ServiceSpec, HttpServiceSpec, StorageSpec } from './plan/service.js';
