#include "plugin_host.h"

#include <stdio.h>

#include <chrono>
#include <thread>

#include "custom_instance.h"
#include "host_api.h"
#include "input_instance.h"
#include "library.h"
#include "output_instance.h"
#include "plugin_thread.h"

namespace flbhost {

namespace {

// How long a child whose parent vanished (killed) gives its instance to
// close (PreExit, Exit) before it exits anyway.
constexpr auto kParentGoneCloseBound = std::chrono::seconds(5);
// How often an input's counters are sent to the parent (its stats() reads
// the latest): often enough for metrics, rare enough to cost nothing.
constexpr auto kStatsEvery = std::chrono::milliseconds(200);

}  // namespace

PluginHost::PluginHost(int command_fd, int event_fd) : reader_(command_fd), writer_(event_fd) {}

int PluginHost::Serve() {
  FrameType type;
  uint64_t op;
  while (reader_.Next(&type, &op)) {
    if (!Dispatch(type, op)) break;
  }
  int code = 0;
  if (!reader_.error().empty()) {
    fprintf(stderr, "[flbhost plugin host] %s\n", reader_.error().c_str());
    code = 2;
  }
  CloseAfterParentLeft();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.Drain();
  return code;
}

bool PluginHost::Dispatch(FrameType type, uint64_t op) {
  switch (type) {
    case FrameType::kLoad:
      return LoadLibrary(op);
    case FrameType::kCreate:
      return Create(op);
    case FrameType::kStart:
      Start(op);
      return true;
    case FrameType::kFlush:
      return Flush(op);
    case FrameType::kClose:
      Close(op);
      return true;
    case FrameType::kMetrics:
      Metrics(op);
      return true;
    case FrameType::kRelease: {
      uint64_t bytes;
      if (!reader_.U64(&bytes)) return false;
      if (input_) input_->Release(bytes);
      return true;
    }
    case FrameType::kSetPaused: {
      uint8_t paused;
      if (!reader_.U8(&paused)) return false;
      if (input_) input_->SetUserPaused(paused != 0);
      return true;
    }
    case FrameType::kSetLogLevel: {
      int32_t level;
      if (!reader_.I32(&level)) return false;
      if (host_) host_->log_level = level;
      return true;
    }
    default:
      fprintf(stderr, "[flbhost plugin host] unknown frame type %d: flbhost and this plugin host do not match\n",
              static_cast<int>(type));
      return false;
  }
}

// dlopen starts the plugin's Go runtime and runs its init()s, and Register
// is plugin code: a crash here ends this process, which is the point — the
// parent reports it and never loaded the library itself. Called on the
// main thread, a plain thread with an ordinary stack and nothing else to do
// until the library is loaded.
bool PluginHost::LoadLibrary(uint64_t op) {
  std::string path;
  if (!reader_.String(&path)) return false;
  LoadFailure failure;
  if (!library_) {
    library_ = Library::Load(path, shared_from_this(), &failure);
    if (library_) library_->SetLogEvents(shared_from_this());
  } else {
    failure = {"load", "this plugin host has loaded a library already", ""};
  }
  Frame frame(FrameType::kLoaded, op);
  if (library_ && failure.message.empty()) {
    frame.U8(1).String(library_->path()).String(library_->name()).String(library_->description());
    frame.I32(library_->type()).I32(library_->flags()).I32(library_->event_type());
    frame.U32(static_cast<uint32_t>(library_->exported_symbols().size()));
    for (const std::string& symbol : library_->exported_symbols()) frame.String(symbol);
  } else {
    frame.U8(0).String(failure.phase).String(failure.message).String(failure.dlerror);
  }
  writer_.Post(std::move(frame));
  return true;
}

bool PluginHost::Create(uint64_t op) {
  uint8_t kind;
  std::string name;
  int32_t log_level, workers;
  uint64_t interval_ns, buffer_limit, merge_limit;
  uint32_t count;
  if (!reader_.U8(&kind) || !reader_.String(&name) || !reader_.I32(&log_level) || !reader_.I32(&workers) ||
      !reader_.U64(&interval_ns) || !reader_.U64(&buffer_limit) || !reader_.U64(&merge_limit) ||
      !reader_.U32(&count)) {
    return false;
  }
  std::vector<std::pair<std::string, std::string>> properties;
  for (uint32_t i = 0; i < count; i++) {
    std::string key, value;
    if (!reader_.String(&key) || !reader_.String(&value)) return false;
    properties.emplace_back(std::move(key), std::move(value));
  }
  if (!library_ || host_ != nullptr) {
    Refuse(op, library_ ? "this plugin host has an instance already" : "no library is loaded", "init");
    return true;
  }
  if (library_->type() != kind) {
    Refuse(op, "'" + library_->name() + "' is not a plugin of kind " + std::to_string(kind), "init");
    return true;
  }
  host_ = new HostInstance();  // never freed: see HostInstance
  host_->id = 1;               // the only instance of this process
  host_->name = name.empty() ? library_->NextInstanceName() : name;
  host_->library = library_;
  host_->events = shared_from_this();
  host_->log_level = log_level;
  host_->properties.Assign(std::move(properties));
  std::shared_ptr<InstanceEvents> events = shared_from_this();
  if (kind == FLB_PROXY_OUTPUT_PLUGIN) {
    output_ = std::make_shared<OutputInstance>(library_, events, host_, workers > 0 ? workers : 1,
                                               static_cast<size_t>(merge_limit));
  } else if (kind == FLB_PROXY_INPUT_PLUGIN) {
    input_ = std::make_shared<InputInstance>(library_, events, host_, std::chrono::nanoseconds(interval_ns), buffer_limit);
  } else {
    custom_ = std::make_shared<CustomInstance>(library_, events, host_);
  }
  Completed(op, Completion::Done());
  return true;
}

void PluginHost::Start(uint64_t op) {
  start_op_ = op;
  std::string error;
  bool started = output_ ? output_->Start(op, &error)
               : input_  ? input_->Start(op, &error)
               : custom_ ? custom_->Start(op, &error)
                         : (error = "no instance was created", false);
  if (!started) Refuse(op, error, "init");
}

bool PluginHost::Flush(uint64_t op) {
  std::string tag;
  std::unique_ptr<uint8_t[]> data;
  size_t length = 0;
  if (!reader_.String(&tag) || !reader_.Rest(&data, &length)) return false;
  std::string error;
  if (!output_) {
    Refuse(op, "this plugin host runs no output", "flush");
  } else if (!output_->Flush(op, std::move(data), length, std::move(tag), &error)) {
    Refuse(op, error, "flush");
  }
  return true;
}

void PluginHost::Close(uint64_t op) {
  close_requested_ = true;
  std::string error;
  bool closing = output_ ? output_->Close(op, &error)
               : input_  ? input_->Close(op, &error)
               : custom_ ? custom_->Close(op, &error)
                         : (Completed(op, Completion::Done()), true);
  if (!closing) Refuse(op, error, "exit");
}

void PluginHost::Metrics(uint64_t op) {
  if (host_ == nullptr) {
    Completed(op, Completion::Text(""));
    return;
  }
  std::shared_ptr<PluginHost> self = shared_from_this();
  HostInstance* host = host_;
  std::string error;
  // Plugin code (the plugin's own cmetrics encoder): on a thread of its own.
  if (!StartPluginThread("flb-metrics", [self, host, op] { self->Completed(op, Completion::Text(EncodeMetrics(host))); },
                         &error)) {
    Refuse(op, error, "flush");
  }
}

void PluginHost::Refuse(uint64_t op, const std::string& message, const std::string& phase) {
  Completed(op, Completion::Failed(message, phase));
}

bool PluginHost::Completed(CompletionId id, Completion completion) {
  if (id == kParentGoneClose) {
    std::lock_guard<std::mutex> lock(mutex_);
    parent_gone_closed_ = true;
    changed_.notify_all();
    return true;
  }
  if (id == start_op_ && host_ != nullptr) {
    // Which configured keys Init and PreRun never read, before Init's
    // result: the parent warns about them once the start settles.
    std::vector<std::string> unread = host_->properties.Unread();
    Frame keys(FrameType::kUnread, id);
    keys.U32(static_cast<uint32_t>(unread.size()));
    for (const std::string& key : unread) keys.String(key);
    writer_.Post(std::move(keys));
    if (input_ && completion.kind == Completion::Kind::kCode && completion.code > 0) {
      std::shared_ptr<PluginHost> self = shared_from_this();
      std::thread([self] { self->StatsLoop(); }).detach();
    }
  }
  if (input_) PostStats();
  Frame frame(FrameType::kCompleted, id);
  frame.U8(static_cast<uint8_t>(completion.kind)).I32(completion.code).String(completion.text).String(completion.phase);
  return writer_.Post(std::move(frame));
}

bool PluginHost::Log(LogRecord record) {
  Frame frame(FrameType::kLog, 0);
  frame.I32(record.level).String(record.plugin).String(record.file).I32(record.line).String(record.message);
  return writer_.Post(std::move(frame));
}

bool PluginHost::InputChunkReady(InputChunk chunk) {
  Frame frame(FrameType::kChunk, 0);
  frame.U64(chunk.events).U8(static_cast<uint8_t>(chunk.format)).U8(chunk.failed ? 1 : 0);
  frame.U64(chunk.failed_event).U64(chunk.failed_offset).String(chunk.failure);
  frame.Tail(chunk.data, chunk.length);
  if (writer_.Post(std::move(frame))) return true;
  frame.ReleaseTail();  // the caller still owns it
  return false;
}

void PluginHost::PostStats() {
  const InputStats& s = input_->stats();
  Frame frame(FrameType::kStats, 0);
  frame.U64(s.collects).U64(s.collect_errors).U64(s.chunks).U64(s.bytes).U64(s.pauses).U64(s.dropped_chunks);
  frame.U64(input_->outstanding_bytes()).U64(s.peak_outstanding).U64(s.malformed_chunks);
  frame.U8(input_->paused() ? 1 : 0);
  writer_.Post(std::move(frame));
}

void PluginHost::StatsLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, kStatsEvery);
    if (stopping_) break;
    lock.unlock();
    PostStats();
    lock.lock();
  }
}

// The parent closed its end without closing the instance: it was killed or
// crashed. Give the plugin its PreExit and Exit (a Go output may flush its
// own buffers there), bounded, then let the process end.
void PluginHost::CloseAfterParentLeft() {
  if (close_requested_ || host_ == nullptr) return;
  std::string ignored;
  // A failed instance (Init returned <= 0) refuses the close: nothing to wait for.
  bool closing = output_ ? output_->Close(kParentGoneClose, &ignored)
               : input_  ? input_->Close(kParentGoneClose, &ignored)
               : custom_ ? custom_->Close(kParentGoneClose, &ignored)
                         : false;
  if (!closing) return;
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, kParentGoneCloseBound, [this] { return parent_gone_closed_; });
}

}  // namespace flbhost
