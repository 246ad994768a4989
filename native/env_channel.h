// The one road from plugin threads back to one JavaScript environment.
#ifndef FLBHOST_ENV_CHANNEL_H
#define FLBHOST_ENV_CHANNEL_H

#include <napi.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace flbhost {

// A line a plugin logged through flb_api.log_print.
struct LogRecord {
  int level = 0;
  std::string plugin;         // registered plugin name, "" when unknown
  uint64_t instance_id = 0;   // 0 when the calling instance is unknown
  std::string file;           // log_print's file argument (usually NULL)
  int line = 0;
  std::string message;
};

// One per JS environment (the main thread and each worker_thread have their
// own). Plugin threads post completions and log lines here from any thread;
// the JS thread drains them in batches.
//
// Lifetime rules, each of which is a crash or a hang if broken:
// - Post* may be called from any thread at any time, including after the
//   environment is gone: Close() flips `closed_` under the lock, after which
//   posts are refused, so nobody touches a released thread-safe function.
// - Deferreds are created and settled only on the JS thread.
// - The thread-safe function is unref'd while nothing is pending, so an idle
//   plugin never keeps the process alive; BeginOp/EndOp (JS thread only) ref
//   it while a JS promise waits for a plugin thread.
// - Wakes are coalesced: at most one call is queued on the thread-safe
//   function at a time, whatever the number of completions behind it.
// - A wake handles at most kMaxBatch completions and then queues another
//   wake for the rest, so a flood from a fast input never starves the event
//   loop's timers and I/O.
class EnvChannel {
 public:
  explicit EnvChannel(Napi::Env env);
  ~EnvChannel();

  // --- JS thread ---------------------------------------------------------
  // Called before handing work to a plugin thread that will settle a promise
  // (the matching EndOp happens when it settles), or to keep the process
  // alive for something else that is pending (a running input).
  void BeginOp(Napi::Env env);
  void EndOp(Napi::Env env);
  void SetLogHandler(Napi::Env env, Napi::Function handler);
  // (instanceId, chunk: Buffer, events, format, failure?) => void, for
  // every input chunk.
  void SetInputHandler(Napi::Env env, Napi::Function handler);
  // Environment teardown: refuse further posts and release the wake-up.
  void Close();

  // --- any thread --------------------------------------------------------
  // A flush finished: resolve `deferred` with `code`.
  bool PostFlushDone(napi_deferred deferred, int code);
  // Settle `deferred` with what `settle` returns on the JS thread (throwing a
  // Napi::Error there rejects it). For rare operations: load, init, close.
  bool PostSettle(napi_deferred deferred,
                  std::function<Napi::Value(Napi::Env)> settle);
  // Returns false when the environment is gone (the caller then falls back).
  bool PostLog(LogRecord record);
  // A checked chunk from an input: `data` is malloc'd and becomes the memory
  // of the Buffer handed to the input handler (no second copy). On false the
  // caller still owns `data`.
  struct InputChunk {
    uint64_t instance_id = 0;
    uint8_t* data = nullptr;
    size_t length = 0;
    size_t events = 0;
    int format = 1;  // 1 v1, 2 v2, 3 both
    // Malformed data after the valid events, if any.
    bool failed = false;
    size_t failed_event = 0;
    size_t failed_offset = 0;
    std::string failure;
  };
  bool PostInputChunk(InputChunk chunk);

  bool closed() const;

 private:
  struct Completion {
    enum class Kind { kFlush, kSettle, kLog, kInput } kind = Kind::kLog;
    napi_deferred deferred = nullptr;
    int code = 0;
    std::function<Napi::Value(Napi::Env)> settle;
    LogRecord log;
    InputChunk input;  // kInput: input.data is malloc'd, owned by the completion
  };

  static void CallJs(Napi::Env env, Napi::Function, EnvChannel* self, void*);

  bool Post(Completion completion);
  void Drain(Napi::Env env);
  void DeliverLog(Napi::Env env, const LogRecord& record);
  void DeliverInput(Napi::Env env, Completion& completion);

  static constexpr size_t kMaxBatch = 256;
  // Log lines waiting for JS beyond this are dropped and counted, so a
  // plugin that logs faster than JS can write cannot exhaust memory.
  static constexpr size_t kMaxQueuedLogs = 10000;

  mutable std::mutex mutex_;
  std::deque<Completion> queue_;
  bool wake_queued_ = false;
  bool closed_ = false;
  size_t queued_logs_ = 0;
  uint64_t dropped_logs_ = 0;
  Napi::TypedThreadSafeFunction<EnvChannel, void, CallJs> wake_;

  // JS thread only.
  uint64_t pending_ops_ = 0;
  Napi::FunctionReference log_handler_;
  Napi::FunctionReference input_handler_;
};

}  // namespace flbhost

#endif
