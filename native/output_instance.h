// One output plugin instance: its threads, its queue and its lifecycle.
#ifndef FLBHOST_OUTPUT_INSTANCE_H
#define FLBHOST_OUTPUT_INSTANCE_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abi.h"
#include "instance_events.h"

namespace flbhost {

class Library;
struct HostInstance;

// An output instance owns `workers` native threads. Worker 0 runs
// FLBPluginInit and FLBPluginOutputPreRun, then every worker takes flushes
// from one queue, so at most `workers` flushes of this instance run at once
// and instances never wait for each other. The close runs on whichever
// worker takes it, after every flush queued before it has returned:
// FLBPluginOutputPreExit(0), then FLBPluginExitCtx or FLBPluginExit, then
// the library's Unregister if this was its last instance.
//
// Under a backlog a worker merges: it takes the oldest queued flush and
// every flush queued right behind it with the same tag while their chunks
// fit in `merge_limit` bytes, and calls the plugin once with them end to end
// (valid events back to back are a valid chunk). Each merged flush is still
// completed on its own, with the plugin's code. Why: a Go plugin's garbage
// collector runs about as often as its heap doubles, and a flush's copy of
// the chunk is most of that heap, so bigger flushes mean fewer collections:
// out_gtagcount decodes 5-31 % more records/s in 8 MB flushes than in 2 MB
// ones (bench/direct_flush --threads 2). Nothing merges while the plugin
// keeps up: one chunk per flush, as in Fluent Bit. merge_limit 0: never (the
// default for plugins without a GC: the extra copy cost a fast C plugin ~8 %).
//
// Results leave through `events`: each operation handed over with a
// CompletionId is reported once through events->Completed. The caller (the
// JS thread, for the Node addon) only queues work and never waits for a
// plugin, with one exception: environment teardown (Abandon), see there.
class OutputInstance : public std::enable_shared_from_this<OutputInstance> {
 public:
  OutputInstance(std::shared_ptr<Library> library,
                 std::shared_ptr<InstanceEvents> events, HostInstance* host,
                 int workers, size_t merge_limit);

  HostInstance* host() const { return host_; }

  // --- the owner's thread. Each returns false with `error` when refused. -
  // Completes `id` with FLBPluginInit's return value (a code). A value <= 0
  // marks the instance failed: Init is never called again and nothing else
  // runs.
  bool Start(CompletionId id, std::string* error);
  // `data` is the instance's own copy of the chunk (see NativeOutput::Flush).
  // Completes `id` with the plugin's return code.
  bool Flush(CompletionId id, std::unique_ptr<uint8_t[]> data,
             size_t length, std::string tag, std::string* error);
  // Drops the flushes queued but not yet started and completes each of them
  // as cancelled ("never run"); returns how many. The engine calls it
  // at the end of its grace period: it hands chunks over ahead of the
  // workers, and those must not hold up the close behind them.
  size_t CancelQueued();
  bool Close(CompletionId id, std::string* error);  // completes `id` when done
  // The JS wrapper was garbage-collected: close in the background.
  void CloseUnobserved();
  // The environment is going away: queued flushes are dropped (nobody is
  // left to hear of them) and the close goes ahead in the background.
  // Nothing waits: flushes read native copies, never JS memory.
  void Abandon();

 private:
  enum class State { kCreated, kStarting, kRunning, kClosing, kClosed, kFailed };

  struct FlushTask {
    CompletionId id;
    std::unique_ptr<uint8_t[]> data;
    size_t length;
    std::string tag;
  };

  void InitThenServe(CompletionId start_id);  // worker 0
  void Serve();                                // every worker
  // Takes the next flush and those it merges with; mutex_ held.
  std::vector<FlushTask> TakeBatchLocked();
  // Runs a batch and completes each of its flushes.
  void RunBatch(std::vector<FlushTask>& batch);
  int CallFlush(const uint8_t* data, size_t length, std::string& tag);
  void CallExit();
  void RequestCloseLocked(CompletionId id);
  static const char* StateName(State state);

  const std::shared_ptr<Library> library_;
  const std::shared_ptr<InstanceEvents> events_;
  HostInstance* const host_;
  const int workers_;
  const size_t merge_limit_;

  // FLBPluginInit receives host_->output_plugin: each instance its own
  // struct (Fluent Bit shares one per .so and re-points it), invisible to
  // plugins, and a plugin that keeps the pointer (calyptia) keeps logging as
  // this instance.
  void* remote_context_ = nullptr;  // captured after Init, passed back verbatim

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable flushes_idle_;  // the closer waits for running flushes
  State state_ = State::kCreated;
  std::deque<FlushTask> queue_;
  int running_flushes_ = 0;
  bool close_requested_ = false;
  bool close_taken_ = false;
  CompletionId close_id_ = kNobodyWaits;
};

}  // namespace flbhost

#endif
