#include "output_instance.h"

#include <cstdio>
#include <cstring>

#include "host_api.h"
#include "library.h"
#include "plugin_thread.h"

namespace flbhost {

OutputInstance::OutputInstance(std::shared_ptr<Library> library,
                               std::shared_ptr<InstanceEvents> events,
                               HostInstance* host, int workers, size_t merge_limit)
    : library_(std::move(library)),
      events_(std::move(events)),
      host_(host),
      workers_(workers < 1 ? 1 : workers),
      merge_limit_(merge_limit) {}

const char* OutputInstance::StateName(State state) {
  switch (state) {
    case State::kCreated: return "created";
    case State::kStarting: return "initialising";
    case State::kRunning: return "running";
    case State::kClosing: return "closing";
    case State::kClosed: return "closed";
    case State::kFailed: return "failed";
  }
  return "unknown";
}

bool OutputInstance::Start(CompletionId id, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kCreated) {
      *error = std::string("instance is already ") + StateName(state_);
      return false;
    }
    state_ = State::kStarting;
  }
  auto self = shared_from_this();
  if (!StartPluginThread("flb-out-" + host_->name,
                         [self, id] { self->InitThenServe(id); },
                         error)) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = State::kFailed;
    return false;
  }
  return true;
}

void OutputInstance::InitThenServe(CompletionId start_id) {
  const PluginSymbols& symbols = library_->symbols();
  int result = FLB_ERROR;
  std::string failure;
  {
    std::lock_guard<std::mutex> lifecycle(library_->lifecycle_mutex());
    if (!library_->AcquireInstanceLocked(&failure)) {
      // Could not register the plugin again after an earlier Unregister.
    } else {
      EnsureMetricsContext(host_);
      flbgo_output_plugin& plugin = host_->output_plugin;
      plugin.name = const_cast<char*>(library_->name().c_str());
      plugin.api = HostApi();
      plugin.o_ins = host_;
      plugin.context = &host_->context;
      CurrentInstanceScope scope(host_);
      result = symbols.init(&plugin);
      if (result > 0) {
        remote_context_ = host_->context.remote_context;
        if (symbols.output_pre_run != nullptr) symbols.output_pre_run(0);
      } else {
        library_->ReleaseInstanceLocked();
      }
    }
  }

  bool started = failure.empty() && result > 0;
  CompletionId orphaned_close = kNobodyWaits;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = started ? State::kRunning : State::kFailed;
    // A close requested while Init ran is served by Serve() below; after a
    // failed Init nobody serves it, so it is completed here.
    if (!started && close_requested_) {
      orphaned_close = close_id_;
      close_id_ = kNobodyWaits;
    }
  }
  if (orphaned_close != kNobodyWaits) events_->Completed(orphaned_close, Completion::Done());
  events_->Completed(start_id, Completion::InitResult(failure, result));
  if (!started) return;

  auto self = shared_from_this();
  for (int i = 1; i < workers_; i++) {
    std::string error;
    if (!StartPluginThread("flb-out-" + host_->name, [self] { self->Serve(); }, &error)) {
      fprintf(stderr, "[flbhost] %s: worker %d not started: %s\n", host_->name.c_str(), i,
              error.c_str());
    }
  }
  Serve();
}

void OutputInstance::Serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] {
      return !queue_.empty() || (close_requested_ && !close_taken_) ||
             state_ == State::kClosed;
    });

    if (!queue_.empty()) {
      std::vector<FlushTask> batch = TakeBatchLocked();
      running_flushes_++;
      lock.unlock();
      // Completed before the count drops, so a close can never overtake the
      // completion of a flush that was queued before it.
      RunBatch(batch);
      batch.clear();
      lock.lock();
      if (--running_flushes_ == 0) flushes_idle_.notify_all();
      continue;
    }

    if (close_requested_ && !close_taken_) {
      close_taken_ = true;
      flushes_idle_.wait(lock, [this] { return running_flushes_ == 0; });
      CompletionId close_id = close_id_;
      lock.unlock();
      CallExit();
      lock.lock();
      state_ = State::kClosed;
      work_ready_.notify_all();
      lock.unlock();
      if (close_id != kNobodyWaits) events_->Completed(close_id, Completion::Done());
      return;
    }

    if (state_ == State::kClosed) return;
  }
}

std::vector<OutputInstance::FlushTask> OutputInstance::TakeBatchLocked() {
  std::vector<FlushTask> batch;
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  size_t bytes = batch.front().length;
  while (!queue_.empty() && queue_.front().tag == batch.front().tag &&
         bytes + queue_.front().length <= merge_limit_) {
    bytes += queue_.front().length;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void OutputInstance::RunBatch(std::vector<FlushTask>& batch) {
  FlushTask& first = batch.front();
  if (batch.size() == 1) {
    events_->Completed(first.id, Completion::Code(CallFlush(first.data.get(), first.length, first.tag)));
    return;
  }
  size_t total = 0;
  for (const FlushTask& task : batch) total += task.length;
  // One buffer for the plugin; each flush's own copy is freed as it is
  // copied in, so the batch holds its bytes once.
  std::unique_ptr<uint8_t[]> merged(new uint8_t[total]);
  size_t offset = 0;
  for (FlushTask& task : batch) {
    std::memcpy(merged.get() + offset, task.data.get(), task.length);
    offset += task.length;
    task.data.reset();
  }
  int code = CallFlush(merged.get(), total, first.tag);
  if (code == FLB_OK || code == FLB_RETRY) {
    for (const FlushTask& task : batch) events_->Completed(task.id, Completion::Code(code));
    return;
  }
  // Refused: the plugin gave up on the batch, perhaps for one bad chunk.
  // Each chunk is flushed again alone, so only a chunk the plugin refuses
  // on its own is dropped. Records the plugin sent before it gave up are
  // sent again: at least once.
  offset = 0;
  for (FlushTask& task : batch) {
    code = CallFlush(merged.get() + offset, task.length, task.tag);
    offset += task.length;
    events_->Completed(task.id, Completion::Code(code));
  }
}

int OutputInstance::CallFlush(const uint8_t* data, size_t length, std::string& tag) {
  const PluginSymbols& symbols = library_->symbols();
  CurrentInstanceScope scope(host_);
  // The tag is a NUL-terminated copy owned by the task: Go's FlushCtx takes
  // a plain char*.
  if (symbols.flush_ctx != nullptr) {
    return symbols.flush_ctx(remote_context_, data, length, &tag[0]);
  }
  return symbols.flush(data, length, tag.c_str());
}

void OutputInstance::CallExit() {
  const PluginSymbols& symbols = library_->symbols();
  std::lock_guard<std::mutex> lifecycle(library_->lifecycle_mutex());
  {
    CurrentInstanceScope scope(host_);
    if (symbols.output_pre_exit != nullptr) symbols.output_pre_exit(0);
    if (symbols.exit_ctx != nullptr) {
      symbols.exit_ctx(remote_context_);
    } else if (symbols.exit != nullptr) {
      symbols.exit();
    }
  }
  library_->ReleaseInstanceLocked();
}

bool OutputInstance::Flush(CompletionId id, std::unique_ptr<uint8_t[]> data,
                           size_t length, std::string tag, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kRunning || close_requested_) {
      *error = std::string("cannot flush: instance is ") +
               (close_requested_ && state_ == State::kRunning ? "closing" : StateName(state_));
      return false;
    }
    queue_.push_back(FlushTask{id, std::move(data), length, std::move(tag)});
  }
  work_ready_.notify_one();
  return true;
}

size_t OutputInstance::CancelQueued() {
  std::deque<FlushTask> cancelled;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled.swap(queue_);
  }
  for (FlushTask& task : cancelled) events_->Completed(task.id, Completion::Cancelled());
  return cancelled.size();
}

void OutputInstance::RequestCloseLocked(CompletionId id) {
  close_requested_ = true;
  close_id_ = id;
  if (state_ == State::kRunning) state_ = State::kClosing;
  work_ready_.notify_all();
}

bool OutputInstance::Close(CompletionId id, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (close_requested_ || state_ == State::kClosed) {
    *error = "instance is already closed";
    return false;
  }
  if (state_ != State::kRunning && state_ != State::kStarting) {
    *error = std::string("cannot close: instance is ") + StateName(state_);
    return false;
  }
  RequestCloseLocked(id);
  return true;
}

void OutputInstance::CloseUnobserved() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (close_requested_) return;
  if (state_ == State::kRunning || state_ == State::kStarting) RequestCloseLocked(kNobodyWaits);
}

void OutputInstance::Abandon() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  if (!close_requested_ &&
      (state_ == State::kRunning || state_ == State::kStarting)) {
    RequestCloseLocked(kNobodyWaits);
  } else if (close_requested_) {
    close_id_ = kNobodyWaits;  // nobody is left to hear of it
  }
}

}  // namespace flbhost
