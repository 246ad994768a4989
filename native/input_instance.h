// One input plugin instance: its thread, its poll loop and its hand-off of chunks.
#ifndef FLBHOST_INPUT_INSTANCE_H
#define FLBHOST_INPUT_INSTANCE_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "abi.h"
#include "instance_events.h"

namespace flbhost {

class Library;
struct HostInstance;

// Counters readable from any thread at any time.
struct InputStats {
  std::atomic<uint64_t> collects{0};        // callback calls
  std::atomic<uint64_t> collect_errors{0};  // calls that returned -1
  std::atomic<uint64_t> chunks{0};          // chunks copied and handed on
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> pauses{0};          // FLBPluginInputPause calls
  std::atomic<uint64_t> dropped_chunks{0};  // lost: out of memory, or nobody left to take them
  std::atomic<uint64_t> peak_outstanding{0};  // highest outstanding byte count seen
  std::atomic<uint64_t> malformed_chunks{0};  // chunks with malformed data (valid prefix kept)
};

// An input instance runs everything on one thread of its own, as Fluent Bit
// does: FLBPluginInit, FLBPluginInputPreRun(0), then a loop that calls
// FLBPluginInputCallback[Ctx](&data, &len) with data = NULL and len = 0 every
// `interval` (start to start; 0 = again as soon as it returned), copies what
// it produced, lets the plugin free it (cleanup callback, or free()), and
// hands the copy on (InstanceEvents::InputChunkReady; for the Node addon, to
// JS). FLBPluginInputPause / Resume and, at close,
// FLBPluginInputPreExit(0) and FLBPluginExit run on the same thread.
//
// The hand-off is bounded in bytes: `outstanding` counts bytes handed on
// and not yet released by the consumer (Release). At `limit` the thread stops
// polling and calls FLBPluginInputPause; it resumes (FLBPluginInputResume)
// once the consumer has released down to half the limit. The halfway mark keeps a
// consumer that frees one chunk at a time from bouncing the plugin between
// Pause and Resume (calyptia restarts its collector on every Resume). So
// outstanding bytes never exceed the limit plus one callback's output.
class InputInstance : public std::enable_shared_from_this<InputInstance> {
 public:
  InputInstance(std::shared_ptr<Library> library,
                std::shared_ptr<InstanceEvents> events, HostInstance* host,
                std::chrono::nanoseconds interval, uint64_t limit_bytes);

  HostInstance* host() const { return host_; }
  const InputStats& stats() const { return stats_; }
  uint64_t outstanding_bytes();
  bool paused();

  // --- the owner's thread ------------------------------------------------
  // Completes `id` with FLBPluginInit's return value (a code).
  bool Start(CompletionId id, std::string* error);
  // The consumer is done with `bytes` of what it was handed.
  void Release(uint64_t bytes);
  // Pause/resume asked for by the application (the engine's backpressure).
  void SetUserPaused(bool paused);
  bool Close(CompletionId id, std::string* error);  // completes `id` when done
  void CloseUnobserved();
  // Environment teardown: stop in the background; nothing waits (input
  // chunks are native memory, never JS memory).
  void Abandon();

 private:
  enum class State { kCreated, kStarting, kRunning, kStopping, kClosed, kFailed };

  void Run(CompletionId start_id);  // the instance's thread
  bool Init(std::string* failure, int* result);
  void PollLoop();
  void Collect();
  void Deliver(uint8_t* copy, size_t length);
  void Exit();
  bool ShouldPauseLocked();
  void RequestCloseLocked(CompletionId id);

  const std::shared_ptr<Library> library_;
  const std::shared_ptr<InstanceEvents> events_;
  HostInstance* const host_;
  const std::chrono::nanoseconds interval_;
  const uint64_t limit_bytes_;  // 0 = unbounded

  void* remote_context_ = nullptr;  // from host_->input_context after Init

  std::mutex mutex_;
  std::condition_variable wake_;
  State state_ = State::kCreated;
  bool close_requested_ = false;
  CompletionId close_id_ = kNobodyWaits;
  bool user_paused_ = false;
  bool backpressured_ = false;
  bool plugin_paused_ = false;  // FLBPluginInputPause called, Resume not yet
  uint64_t outstanding_ = 0;

  InputStats stats_;
};

}  // namespace flbhost

#endif
