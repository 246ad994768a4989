#include "env_channel.h"

#include <cstdio>
#include <cstdlib>

namespace flbhost {

EnvChannel::EnvChannel(Napi::Env env) {
  wake_ = Napi::TypedThreadSafeFunction<EnvChannel, void, CallJs>::New(
      env, "flbhost.plugin-completions", 0 /* unbounded: wakes are coalesced */,
      1, this);
  // Idle plugins must not keep the process alive (see BeginOp).
  wake_.Unref(env);
}

EnvChannel::~EnvChannel() = default;

void EnvChannel::BeginOp(Napi::Env env) {
  if (pending_ops_++ == 0) wake_.Ref(env);
}

void EnvChannel::EndOp(Napi::Env env) {
  if (pending_ops_ > 0 && --pending_ops_ == 0) wake_.Unref(env);
}

void EnvChannel::SetLogHandler(Napi::Env, Napi::Function handler) {
  log_handler_ = Napi::Persistent(handler);
}

void EnvChannel::SetInputHandler(Napi::Env, Napi::Function handler) {
  input_handler_ = Napi::Persistent(handler);
}

void EnvChannel::Close() {
  std::deque<Item> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    dropped.swap(queue_);
  }
  // The environment is being torn down: its promises can no longer be
  // settled and its references die with it, so the queued items are dropped.
  for (Item& item : dropped) {
    if (auto* chunk = std::get_if<InputChunk>(&item.payload)) free(chunk->data);
  }
  wake_.Release();
  log_handler_.Reset();
  input_handler_.Reset();
}

bool EnvChannel::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

bool EnvChannel::Post(Item item) {
  bool need_wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    if (std::holds_alternative<LogRecord>(item.payload)) {
      if (queued_logs_ >= kMaxQueuedLogs) {
        dropped_logs_++;
        return true;  // counted, and reported when JS catches up
      }
      queued_logs_++;
    }
    queue_.push_back(std::move(item));
    if (!wake_queued_) {
      wake_queued_ = true;
      need_wake = true;
    }
    // Calling into the thread-safe function under the lock keeps Close()
    // from releasing it in between; NonBlockingCall never waits for JS. If
    // it fails, the next post tries again rather than waiting forever.
    if (need_wake && wake_.NonBlockingCall() != napi_ok) wake_queued_ = false;
  }
  return true;
}

Napi::Error ErrorWithPhase(Napi::Env env, const std::string& message, const std::string& phase) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("phase", Napi::String::New(env, phase));
  return error;
}

bool EnvChannel::Completed(CompletionId id, Completion completion) {
  if (id == kNobodyWaits) return true;  // no promise to settle
  return Post(Item{DeferredOf(id), std::move(completion)});
}

bool EnvChannel::PostSettle(napi_deferred deferred, Settler settle) {
  return Post(Item{deferred, std::move(settle)});
}

bool EnvChannel::Log(LogRecord record) {
  return Post(Item{nullptr, std::move(record)});
}

bool EnvChannel::InputChunkReady(InputChunk chunk) {
  return Post(Item{nullptr, std::move(chunk)});
}

void EnvChannel::CallJs(Napi::Env env, Napi::Function, EnvChannel* self,
                        void*) {
  // A null env means the environment is going away; Close() owns cleanup.
  if (env == nullptr || self == nullptr) return;
  self->Drain(env);
}

void EnvChannel::Drain(Napi::Env env) {
  std::vector<Item> batch;
  uint64_t dropped_logs = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t count = queue_.size() < kMaxBatch ? queue_.size() : kMaxBatch;
    batch.reserve(count);
    for (size_t i = 0; i < count; i++) {
      if (std::holds_alternative<LogRecord>(queue_.front().payload)) queued_logs_--;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    dropped_logs = dropped_logs_;
    dropped_logs_ = 0;
    // More than one batch waiting: let timers and I/O run first.
    wake_queued_ = !queue_.empty() && wake_.NonBlockingCall() == napi_ok;
  }
  if (dropped_logs > 0) {
    LogRecord notice;
    notice.level = 2;  // warn
    notice.message = std::to_string(dropped_logs) +
                     " plugin log line(s) dropped: plugins logged faster than JS could write them";
    DeliverLog(env, notice);
  }
  for (Item& item : batch) {
    Napi::HandleScope scope(env);
    if (auto* completion = std::get_if<Completion>(&item.payload)) {
      SettleGuarded(env, item.deferred, [&] { Settle(env, item.deferred, *completion); });
    } else if (auto* settle = std::get_if<Settler>(&item.payload)) {
      SettleGuarded(env, item.deferred, [&] {
        napi_value result = (*settle)(env);
        napi_resolve_deferred(env, item.deferred, result ? result : env.Undefined());
      });
    } else if (auto* log = std::get_if<LogRecord>(&item.payload)) {
      DeliverLog(env, *log);
    } else if (auto* chunk = std::get_if<InputChunk>(&item.payload)) {
      DeliverInput(env, *chunk);
    }
  }
}

// Runs `settle`, which resolves or rejects `deferred`; if making the value
// throws (a Node-API call failing), the promise is rejected with that error
// instead, and the rest of the batch is still delivered. Either way the
// operation no longer keeps the process alive.
template <typename Work>
void EnvChannel::SettleGuarded(Napi::Env env, napi_deferred deferred, Work settle) {
  try {
    settle();
  } catch (const Napi::Error& e) {
    napi_reject_deferred(env, deferred, e.Value());
  } catch (const std::exception& e) {
    napi_reject_deferred(env, deferred, Napi::Error::New(env, e.what()).Value());
  }
  EndOp(env);
}

void EnvChannel::Settle(Napi::Env env, napi_deferred deferred, const Completion& completion) {
  napi_value value = nullptr;
  switch (completion.kind) {
    case Completion::Kind::kDone:
      value = env.Undefined();
      break;
    case Completion::Kind::kCode:
      value = Napi::Number::New(env, completion.code);
      break;
    case Completion::Kind::kText:
      value = Napi::String::New(env, completion.text);
      break;
    case Completion::Kind::kCancelled:
      value = env.Null();
      break;
    case Completion::Kind::kFailed:
      napi_reject_deferred(env, deferred, ErrorWithPhase(env, completion.text, completion.phase).Value());
      return;
  }
  napi_resolve_deferred(env, deferred, value);
}

void EnvChannel::DeliverInput(Napi::Env env, InputChunk& in) {
  uint8_t* data = in.data;
  in.data = nullptr;
  if (input_handler_.IsEmpty()) {
    free(data);
    return;
  }
  // Zero-copy: the Buffer owns the malloc'd copy and frees it when collected.
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(
      env, data, in.length, [](Napi::Env, uint8_t* memory) { free(memory); });
  Napi::Value failure = env.Undefined();
  if (in.failed) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("event", static_cast<double>(in.failed_event));
    f.Set("offset", static_cast<double>(in.failed_offset));
    f.Set("message", in.failure);
    failure = f;
  }
  try {
    input_handler_.Call({Napi::Number::New(env, static_cast<double>(in.instance_id)), buffer,
                         Napi::Number::New(env, static_cast<double>(in.events)),
                         Napi::Number::New(env, in.format), failure});
  } catch (const Napi::Error& e) {
    fprintf(stderr, "[flbhost] input handler threw: %s\n", e.Message().c_str());
  }
}

void EnvChannel::DeliverLog(Napi::Env env, const LogRecord& r) {
  if (log_handler_.IsEmpty()) {
    fprintf(stderr, "[flbhost] [%s] %s\n", r.plugin.c_str(), r.message.c_str());
    return;
  }
  try {
    log_handler_.Call({Napi::Number::New(env, r.level),
                       Napi::String::New(env, r.plugin),
                       Napi::Number::New(env, static_cast<double>(r.instance_id)),
                       Napi::String::New(env, r.file),
                       Napi::Number::New(env, r.line),
                       Napi::String::New(env, r.message)});
  } catch (const Napi::Error& e) {
    // A throwing logger must not take the completions behind it down.
    fprintf(stderr, "[flbhost] log handler threw: %s\n", e.Message().c_str());
  }
}

}  // namespace flbhost
