#include "input_instance.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "chunk_check.h"
#include "host_api.h"
#include "library.h"
#include "plugin_thread.h"

namespace flbhost {

InputInstance::InputInstance(std::shared_ptr<Library> library,
                             std::shared_ptr<InstanceEvents> events,
                             HostInstance* host, std::chrono::nanoseconds interval,
                             uint64_t limit_bytes)
    : library_(std::move(library)),
      events_(std::move(events)),
      host_(host),
      interval_(interval),
      limit_bytes_(limit_bytes) {}

uint64_t InputInstance::outstanding_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return outstanding_;
}

bool InputInstance::paused() {
  std::lock_guard<std::mutex> lock(mutex_);
  return plugin_paused_;
}

bool InputInstance::Start(CompletionId id, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kCreated) {
      *error = "instance was already started";
      return false;
    }
    state_ = State::kStarting;
  }
  auto self = shared_from_this();
  if (!StartPluginThread("flb-in-" + host_->name, [self, id] { self->Run(id); },
                         error)) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = State::kFailed;
    return false;
  }
  return true;
}

bool InputInstance::Init(std::string* failure, int* result) {
  const PluginSymbols& symbols = library_->symbols();
  std::lock_guard<std::mutex> lifecycle(library_->lifecycle_mutex());
  if (!library_->AcquireInstanceLocked(failure)) return false;
  EnsureMetricsContext(host_);
  flbgo_input_plugin& plugin = host_->input_plugin;  // never freed: see HostInstance
  plugin.name = const_cast<char*>(library_->name().c_str());
  plugin.api = HostApi();
  plugin.i_ins = host_;
  plugin.context = &host_->input_context;
  CurrentInstanceScope scope(host_);
  *result = symbols.init(&plugin);
  if (*result <= 0) {
    library_->ReleaseInstanceLocked();
    return false;
  }
  // Inputs keep remote_context at offset 8 (Fluent Bit >= 4.1 layout).
  remote_context_ = host_->input_context.remote_context;
  if (symbols.input_pre_run != nullptr) symbols.input_pre_run(0);
  return true;
}

void InputInstance::Run(CompletionId start_id) {
  std::string failure;
  int result = FLB_ERROR;
  bool started = Init(&failure, &result);

  CompletionId orphaned_close = kNobodyWaits;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = started ? State::kRunning : State::kFailed;
    if (!started && close_requested_) {
      orphaned_close = close_id_;
      close_id_ = kNobodyWaits;
    }
  }
  events_->Completed(start_id, Completion::InitResult(failure, result));
  if (orphaned_close != kNobodyWaits) events_->Completed(orphaned_close, Completion::Done());
  if (!started) return;

  PollLoop();
  Exit();

  CompletionId close_id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = State::kClosed;
    close_id = close_id_;
  }
  if (close_id != kNobodyWaits) events_->Completed(close_id, Completion::Done());
}

bool InputInstance::ShouldPauseLocked() {
  if (limit_bytes_ > 0) {
    if (outstanding_ >= limit_bytes_) {
      backpressured_ = true;
    } else if (outstanding_ <= limit_bytes_ / 2) {
      backpressured_ = false;
    }
  }
  return user_paused_ || backpressured_;
}

void InputInstance::PollLoop() {
  const PluginSymbols& symbols = library_->symbols();
  auto next_poll = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!close_requested_) {
    if (ShouldPauseLocked()) {
      if (!plugin_paused_) {
        plugin_paused_ = true;
        stats_.pauses++;
        lock.unlock();
        if (symbols.input_pause != nullptr) {
          CurrentInstanceScope scope(host_);
          symbols.input_pause();
        }
        lock.lock();
        continue;
      }
      wake_.wait(lock);
      continue;
    }
    if (plugin_paused_) {
      plugin_paused_ = false;
      lock.unlock();
      if (symbols.input_resume != nullptr) {
        CurrentInstanceScope scope(host_);
        symbols.input_resume();
      }
      lock.lock();
      next_poll = std::chrono::steady_clock::now();
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    if (now < next_poll) {
      wake_.wait_until(lock, next_poll);
      continue;
    }
    // Start to start, like Fluent Bit's collector timer: a callback that
    // took longer than the interval is called again right away.
    next_poll = now + interval_;
    lock.unlock();
    Collect();
    lock.lock();
  }
}

void InputInstance::Collect() {
  const PluginSymbols& symbols = library_->symbols();
  void* data = nullptr;
  size_t length = 0;
  int result;
  {
    CurrentInstanceScope scope(host_);
    result = symbols.input_callback_ctx != nullptr
                 ? symbols.input_callback_ctx(remote_context_, &data, &length)
                 : symbols.input_callback(&data, &length);
  }
  stats_.collects++;
  // Only -1 is an error; FLB_ERROR and FLB_RETRY with data still ingest.
  // As in Fluent Bit, nothing is cleaned up after -1 or an empty result.
  if (result == -1) {
    stats_.collect_errors++;
    return;
  }
  if (length == 0 || data == nullptr) return;

  // The one copy: out of plugin memory, which the plugin gets back at once.
  auto* copy = static_cast<uint8_t*>(malloc(length));
  if (copy != nullptr) memcpy(copy, data, length);
  {
    CurrentInstanceScope scope(host_);
    if (symbols.input_cleanup_ctx != nullptr) {
      symbols.input_cleanup_ctx(remote_context_, data);
    } else if (symbols.input_cleanup != nullptr) {
      symbols.input_cleanup(data);
    } else {
      free(data);  // the ABI: without a cleanup symbol the host frees it
    }
  }
  if (copy == nullptr) {
    stats_.dropped_chunks++;
    fprintf(stderr, "[flbhost] %s: out of memory copying a %zu-byte chunk; it is dropped\n",
            host_->name.c_str(), length);
    return;
  }
  Deliver(copy, length);
}

// Checks the copy here, on the input thread, so JS never walks input data:
// the valid events are kept, timestamps that are not an 8-byte EventTime are
// rewritten as one, and what was malformed goes along to be counted and logged.
void InputInstance::Deliver(uint8_t* copy, size_t length) {
  ChunkCheck check = CheckInputChunk(copy, length);
  InputChunk chunk;
  chunk.instance_id = host_->id;
  chunk.events = check.events;
  chunk.format = (check.has_v1 ? 1 : 0) | (check.has_v2 ? 2 : 0);
  if (chunk.format == 0) chunk.format = 1;
  chunk.failed = check.failed;
  chunk.failed_event = check.failed_event;
  chunk.failed_offset = check.failed_offset;
  chunk.failure = check.failure;
  if (check.failed) stats_.malformed_chunks++;
  if (check.rewrites.empty()) {
    chunk.data = copy;
    chunk.length = check.valid_bytes;
  } else {
    std::vector<uint8_t> rewritten = ApplyRewrites(copy, check);
    free(copy);
    chunk.data = static_cast<uint8_t*>(malloc(rewritten.size() > 0 ? rewritten.size() : 1));
    if (chunk.data == nullptr) {
      stats_.dropped_chunks++;
      return;
    }
    memcpy(chunk.data, rewritten.data(), rewritten.size());
    chunk.length = rewritten.size();
  }
  if (chunk.events == 0 && !chunk.failed) {
    free(chunk.data);
    return;
  }
  size_t counted = chunk.length;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outstanding_ += counted;
    if (outstanding_ > stats_.peak_outstanding) stats_.peak_outstanding = outstanding_;
  }
  uint8_t* data = chunk.data;
  if (events_->InputChunkReady(std::move(chunk))) {
    stats_.chunks++;
    stats_.bytes += counted;
  } else {
    // Nobody left to take it (teardown).
    free(data);
    stats_.dropped_chunks++;
    std::lock_guard<std::mutex> lock(mutex_);
    outstanding_ -= counted;
  }
}

void InputInstance::Exit() {
  const PluginSymbols& symbols = library_->symbols();
  bool was_paused;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    was_paused = plugin_paused_;
    plugin_paused_ = true;
  }
  std::lock_guard<std::mutex> lifecycle(library_->lifecycle_mutex());
  {
    CurrentInstanceScope scope(host_);
    // Fluent Bit's shutdown order for inputs: Pause, PreExit(0), Exit.
    if (!was_paused && symbols.input_pause != nullptr) symbols.input_pause();
    if (symbols.input_pre_exit != nullptr) symbols.input_pre_exit(0);
    if (symbols.exit != nullptr) symbols.exit();
  }
  library_->ReleaseInstanceLocked();
}

void InputInstance::Release(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outstanding_ = bytes > outstanding_ ? 0 : outstanding_ - bytes;
  }
  wake_.notify_all();
}

void InputInstance::SetUserPaused(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    user_paused_ = paused;
  }
  wake_.notify_all();
}

void InputInstance::RequestCloseLocked(CompletionId id) {
  close_requested_ = true;
  close_id_ = id;
  if (state_ == State::kRunning) state_ = State::kStopping;
  wake_.notify_all();
}

bool InputInstance::Close(CompletionId id, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (close_requested_ || state_ == State::kClosed) {
    *error = "instance is already closed";
    return false;
  }
  if (state_ != State::kRunning && state_ != State::kStarting) {
    *error = "cannot close: instance is not running";
    return false;
  }
  RequestCloseLocked(id);
  return true;
}

void InputInstance::CloseUnobserved() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (close_requested_) return;
  if (state_ == State::kRunning || state_ == State::kStarting) RequestCloseLocked(kNobodyWaits);
}

void InputInstance::Abandon() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (close_requested_) {
    close_id_ = kNobodyWaits;  // nobody is left to hear of it
    return;
  }
  if (state_ == State::kRunning || state_ == State::kStarting) RequestCloseLocked(kNobodyWaits);
}

}  // namespace flbhost
