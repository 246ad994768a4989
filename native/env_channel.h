// The one road from plugin threads back to one JavaScript environment: the
// Node implementation of InstanceEvents.
#ifndef FLBHOST_ENV_CHANNEL_H
#define FLBHOST_ENV_CHANNEL_H

#include <napi.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "instance_events.h"

namespace flbhost {

// One per JS environment (the main thread and each worker_thread have their
// own). Plugin threads post completions and log lines here from any thread;
// the JS thread drains them in batches.
//
// Lifetime rules, each of which is a crash or a hang if broken:
// - Completed, Log, InputChunkReady and PostSettle may be called from any
//   thread at any time, including after the environment is gone: Close()
//   flips `closed_` under the lock, after which posts are refused, so nobody
//   touches a released thread-safe function.
// - Deferreds are created and settled only on the JS thread.
// - The thread-safe function is unref'd while nothing is pending, so an idle
//   plugin never keeps the process alive; BeginOp/EndOp (JS thread only) ref
//   it while a JS promise waits for a plugin thread.
// - Wakes are coalesced: at most one call is queued on the thread-safe
//   function at a time, whatever the number of completions behind it.
// - A wake handles at most kMaxBatch completions and then queues another
//   wake for the rest, so a flood from a fast input never starves the event
//   loop's timers and I/O.
//
// Completion ids are napi_deferreds (IdOf / DeferredOf): the core hands them
// back verbatim, so settling a flush's promise needs no lookup.
// A JS Error carrying `phase` (load, register, init, flush, exit), as the
// addon rejects with.
Napi::Error ErrorWithPhase(Napi::Env env, const std::string& message, const std::string& phase);

class EnvChannel : public InstanceEvents {
 public:
  explicit EnvChannel(Napi::Env env);
  ~EnvChannel() override;

  static CompletionId IdOf(napi_deferred deferred) {
    return reinterpret_cast<CompletionId>(deferred);
  }
  static napi_deferred DeferredOf(CompletionId id) {
    return reinterpret_cast<napi_deferred>(id);
  }

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
  // InstanceEvents: `id` is a deferred (IdOf), settled on the JS thread as
  // the completion says: kDone undefined, kCode a number, kText a string,
  // kCancelled null, kFailed rejected with an Error carrying `phase`.
  bool Completed(CompletionId id, Completion completion) override;
  // Returns false when the environment is gone (the caller then falls back).
  bool Log(LogRecord record) override;
  // `chunk.data` becomes the memory of the Buffer handed to the input
  // handler (no second copy). On false the caller still owns it.
  bool InputChunkReady(InputChunk chunk) override;

  // Settle `deferred` with what `settle` returns on the JS thread (throwing a
  // Napi::Error there rejects it). For what only the addon can build: a
  // NativeLibrary object, an error raised before the core was involved.
  using Settler = std::function<Napi::Value(Napi::Env)>;
  bool PostSettle(napi_deferred deferred, Settler settle);

  bool closed() const;

 private:
  // One queued item. A variant, so that an item (one per flush) builds and
  // moves only what its kind carries. An InputChunk's data is malloc'd and
  // owned by the item.
  struct Item {
    napi_deferred deferred = nullptr;  // Completion and Settler items
    std::variant<Completion, Settler, LogRecord, InputChunk> payload;
  };

  static void CallJs(Napi::Env env, Napi::Function, EnvChannel* self, void*);

  bool Post(Item item);
  void Drain(Napi::Env env);
  void Settle(Napi::Env env, napi_deferred deferred, const Completion& completion);
  template <typename Work>
  void SettleGuarded(Napi::Env env, napi_deferred deferred, Work settle);
  void DeliverLog(Napi::Env env, const LogRecord& record);
  void DeliverInput(Napi::Env env, InputChunk& chunk);

  static constexpr size_t kMaxBatch = 256;
  // Log lines waiting for JS beyond this are dropped and counted, so a
  // plugin that logs faster than JS can write cannot exhaust memory.
  static constexpr size_t kMaxQueuedLogs = 10000;

  mutable std::mutex mutex_;
  std::deque<Item> queue_;
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
