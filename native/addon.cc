// Module entry: the classes and functions JavaScript sees. Their TypeScript
// declaration is src/native.ts; keep the two in step.
//
// Everything here runs on the JS thread and only hands work to plugin
// threads; nothing in this file calls into a plugin.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "custom_instance.h"
#include "env_channel.h"
#include "host_api.h"
#include "input_instance.h"
#include "json_addon.h"
#include "library.h"
#include "output_instance.h"
#include "plugin_thread.h"

namespace flbhost {

namespace {

std::atomic<uint64_t> g_next_instance_id{1};

napi_deferred NewDeferred(Napi::Env env, napi_value* promise) {
  napi_deferred deferred = nullptr;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &deferred, promise), nullptr);
  return deferred;
}

}  // namespace

class Addon;

// JS handle on a loaded library. Many handles (one per environment, one per
// loadLibrary call) may share one Library.
class NativeLibrary : public Napi::ObjectWrap<NativeLibrary> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeLibrary(const Napi::CallbackInfo& info);

  static Napi::Object Wrap(Napi::Env env, Addon* addon, std::shared_ptr<Library> library);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value CreateOutput(const Napi::CallbackInfo& info);
  Napi::Value CreateInput(const Napi::CallbackInfo& info);
  Napi::Value CreateCustom(const Napi::CallbackInfo& info);
  HostInstance* NewHostInstance(Napi::Env env, const Napi::CallbackInfo& info, int expected_type,
                                Napi::Object* options);

  std::shared_ptr<Library> library_;
};

// JS handle on one output instance.
class NativeOutput : public Napi::ObjectWrap<NativeOutput> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeOutput(const Napi::CallbackInfo& info);
  ~NativeOutput() override;

  static Napi::Object Wrap(Napi::Env env, Addon* addon, std::shared_ptr<OutputInstance> instance);

 private:
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value CancelQueued(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Metrics(const Napi::CallbackInfo& info);
  Napi::Value UnreadProperties(const Napi::CallbackInfo& info);
  Napi::Value SetLogLevel(const Napi::CallbackInfo& info);

  std::shared_ptr<OutputInstance> instance_;
};

// JS handle on one input instance.
class NativeInput : public Napi::ObjectWrap<NativeInput> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeInput(const Napi::CallbackInfo& info);
  ~NativeInput() override;

  static Napi::Object Wrap(Napi::Env env, Addon* addon, std::shared_ptr<InputInstance> instance);

 private:
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value SetPaused(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Metrics(const Napi::CallbackInfo& info);
  Napi::Value UnreadProperties(const Napi::CallbackInfo& info);
  Napi::Value SetLogLevel(const Napi::CallbackInfo& info);
  Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);

  std::shared_ptr<InputInstance> instance_;
  bool keeps_alive_ = false;
};

// JS handle on one custom instance.
class NativeCustom : public Napi::ObjectWrap<NativeCustom> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeCustom(const Napi::CallbackInfo& info);
  ~NativeCustom() override;

  static Napi::Object Wrap(Napi::Env env, Addon* addon, std::shared_ptr<CustomInstance> instance);

 private:
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Metrics(const Napi::CallbackInfo& info);
  Napi::Value UnreadProperties(const Napi::CallbackInfo& info);

  std::shared_ptr<CustomInstance> instance_;
};

// Per-environment state (Napi::Addon keeps it out of statics, so the module
// loads in any number of worker_threads).
class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    channel_ = std::make_shared<EnvChannel>(env);
    library_class_ = Napi::Persistent(NativeLibrary::Define(env));
    output_class_ = Napi::Persistent(NativeOutput::Define(env));
    input_class_ = Napi::Persistent(NativeInput::Define(env));
    custom_class_ = Napi::Persistent(NativeCustom::Define(env));
    DefineAddon(exports, {
        InstanceMethod("loadLibrary", &Addon::LoadLibrary),
        InstanceMethod("setLogHandler", &Addon::SetLogHandler),
        InstanceMethod("setInputHandler", &Addon::SetInputHandler),
        InstanceMethod("jsonLinesToChunks", &Addon::JsonLinesToChunks),
        InstanceMethod("jsonLinesToChunksAsync", &Addon::JsonLinesToChunksInPool),
        InstanceMethod("jsonToMsgpack", &Addon::JsonToMsgpack),
        InstanceValue("NativeLibrary", library_class_.Value()),
        InstanceValue("NativeOutput", output_class_.Value()),
        InstanceValue("NativeInput", input_class_.Value()),
        InstanceValue("NativeCustom", custom_class_.Value()),
    });
    // Runs when this environment shuts down (process end, worker exit or
    // terminate). From here on no promise of this environment can settle.
    env.AddCleanupHook([this] { Teardown(); });
  }

  const std::shared_ptr<EnvChannel>& channel() const { return channel_; }

  // JSON to MessagePack (json_addon.cc): no per-environment state.
  Napi::Value JsonLinesToChunks(const Napi::CallbackInfo& info) { return JsonLinesToChunksSync(info); }
  Napi::Value JsonLinesToChunksInPool(const Napi::CallbackInfo& info) { return JsonLinesToChunksAsync(info); }
  Napi::Value JsonToMsgpack(const Napi::CallbackInfo& info) { return JsonValueToMsgpack(info); }
  Napi::FunctionReference& library_class() { return library_class_; }
  Napi::FunctionReference& output_class() { return output_class_; }
  Napi::FunctionReference& input_class() { return input_class_; }
  Napi::FunctionReference& custom_class() { return custom_class_; }

  // Remembers an instance so that environment teardown can stop it.
  template <typename Instance>
  void Track(const std::shared_ptr<Instance>& instance) {
    // Forget instances that are gone, so long-lived services don't grow this.
    std::vector<Tracked> live;
    for (auto& tracked : instances_) {
      if (!tracked.instance.expired()) live.push_back(std::move(tracked));
    }
    std::weak_ptr<Instance> weak = instance;
    live.push_back({instance, [weak] {
                      if (auto alive = weak.lock()) alive->Abandon();
                    }});
    instances_.swap(live);
  }

 private:
  Napi::Value LoadLibrary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      throw Napi::TypeError::New(env, "loadLibrary(path): path must be a string");
    }
    std::string path = info[0].As<Napi::String>();
    napi_value promise;
    napi_deferred deferred = NewDeferred(env, &promise);
    auto channel = channel_;
    Addon* addon = this;
    channel->BeginOp(env);
    std::string error;
    // dlopen starts a Go runtime and runs package init(); Register is plugin
    // code: both happen on a thread of their own, never on this one.
    bool started = StartPluginThread("flb-load", [channel, addon, path, deferred] {
      LoadFailure failure;
      std::shared_ptr<Library> library = Library::Load(path, channel, &failure);
      if (library) library->SetLogEvents(channel);
      channel->PostSettle(deferred, [addon, library, failure](Napi::Env env) -> Napi::Value {
        if (!library) {
          Napi::Error error = ErrorWithPhase(env, failure.message, failure.phase);
          if (!failure.dlerror.empty()) error.Set("dlerror", Napi::String::New(env, failure.dlerror));
          throw error;
        }
        return NativeLibrary::Wrap(env, addon, library);
      });
    }, &error);
    if (!started) {
      channel->PostSettle(deferred, [error](Napi::Env env) -> Napi::Value {
        throw ErrorWithPhase(env, error, "load");
      });
    }
    return Napi::Value(env, promise);
  }

  Napi::Value SetLogHandler(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsFunction()) {
      throw Napi::TypeError::New(info.Env(), "setLogHandler(fn): fn must be a function");
    }
    channel_->SetLogHandler(info.Env(), info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

  Napi::Value SetInputHandler(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsFunction()) {
      throw Napi::TypeError::New(info.Env(), "setInputHandler(fn): fn must be a function");
    }
    channel_->SetInputHandler(info.Env(), info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

  void Teardown() {
    channel_->Close();
    for (auto& tracked : instances_) tracked.abandon();
    instances_.clear();
  }

  struct Tracked {
    std::weak_ptr<void> instance;
    std::function<void()> abandon;
  };

  std::shared_ptr<EnvChannel> channel_;
  Napi::FunctionReference library_class_;
  Napi::FunctionReference output_class_;
  Napi::FunctionReference input_class_;
  Napi::FunctionReference custom_class_;
  std::vector<Tracked> instances_;
};

// --- NativeLibrary ---------------------------------------------------------

// Handed from C++ to the constructor through an External, so JS code cannot
// construct a NativeLibrary around anything but a loaded library.
struct LibraryHandoff {
  std::shared_ptr<Library> library;
};

Napi::Function NativeLibrary::Define(Napi::Env env) {
  return DefineClass(env, "NativeLibrary", {
      InstanceMethod("info", &NativeLibrary::Info),
      InstanceMethod("createOutput", &NativeLibrary::CreateOutput),
      InstanceMethod("createInput", &NativeLibrary::CreateInput),
      InstanceMethod("createCustom", &NativeLibrary::CreateCustom),
  });
}

NativeLibrary::NativeLibrary(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeLibrary>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeLibrary is created by loadLibrary()");
  }
  library_ = info[0].As<Napi::External<LibraryHandoff>>().Data()->library;
}

Napi::Object NativeLibrary::Wrap(Napi::Env env, Addon* addon, std::shared_ptr<Library> library) {
  LibraryHandoff handoff{std::move(library)};
  return addon->library_class().New({Napi::External<LibraryHandoff>::New(env, &handoff)});
}

Napi::Value NativeLibrary::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("path", library_->path());
  out.Set("name", library_->name());
  out.Set("description", library_->description());
  out.Set("type", library_->type());
  out.Set("flags", library_->flags());
  out.Set("eventType", library_->event_type());
  out.Set("liveInstances", library_->live_instances());
  Napi::Array exported = Napi::Array::New(env, library_->exported_symbols().size());
  for (size_t i = 0; i < library_->exported_symbols().size(); i++) {
    exported.Set(i, library_->exported_symbols()[i]);
  }
  out.Set("exports", exported);
  return out;
}

// The instance object a plugin will hold, from the options common to every
// kind: { name?, properties: [key, value][], logLevel }.
HostInstance* NativeLibrary::NewHostInstance(Napi::Env env, const Napi::CallbackInfo& info,
                                             int expected_type, Napi::Object* options) {
  static const char* kTypeNames[] = {"", "input", "output", "custom"};
  if (library_->type() != expected_type) {
    throw ErrorWithPhase(env, "'" + library_->name() + "' is not an " + kTypeNames[expected_type] +
                                  " plugin", "init");
  }
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "options must be an object");
  }
  *options = info[0].As<Napi::Object>();
  Addon* addon = env.GetInstanceData<Addon>();

  auto* host = new HostInstance();  // never freed: see HostInstance
  host->id = g_next_instance_id++;
  host->library = library_;
  host->events = addon->channel();
  Napi::Value name = options->Get("name");
  host->name = name.IsString() ? name.As<Napi::String>().Utf8Value() : library_->NextInstanceName();
  Napi::Value level = options->Get("logLevel");
  if (level.IsNumber()) host->log_level = level.As<Napi::Number>().Int32Value();
  Napi::Value properties = options->Get("properties");
  std::vector<std::pair<std::string, std::string>> pairs;
  if (properties.IsArray()) {
    Napi::Array list = properties.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value pair = list.Get(i);
      if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2) {
        throw Napi::TypeError::New(env, "properties must be [key, value] string pairs");
      }
      Napi::Array kv = pair.As<Napi::Array>();
      pairs.emplace_back(kv.Get(0u).ToString().Utf8Value(), kv.Get(1u).ToString().Utf8Value());
    }
  }
  host->properties.Assign(std::move(pairs));
  return host;
}

// createOutput({ name?, properties, logLevel, workers, mergeLimit })
Napi::Value NativeLibrary::CreateOutput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options;
  HostInstance* host = NewHostInstance(env, info, FLB_PROXY_OUTPUT_PLUGIN, &options);
  Napi::Value workers = options.Get("workers");
  Napi::Value merge_limit = options.Get("mergeLimit");
  int worker_count = workers.IsNumber() ? workers.As<Napi::Number>().Int32Value() : 1;
  double merge_bytes = merge_limit.IsNumber() ? merge_limit.As<Napi::Number>().DoubleValue() : 0;
  Addon* addon = env.GetInstanceData<Addon>();
  auto instance = std::make_shared<OutputInstance>(library_, addon->channel(), host, worker_count,
                                                   merge_bytes > 0 ? static_cast<size_t>(merge_bytes) : 0);
  addon->Track(instance);
  return NativeOutput::Wrap(env, addon, instance);
}

// createInput({ name?, properties, logLevel, intervalNs, bufferLimit })
Napi::Value NativeLibrary::CreateInput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options;
  HostInstance* host = NewHostInstance(env, info, FLB_PROXY_INPUT_PLUGIN, &options);
  Napi::Value interval = options.Get("intervalNs");
  Napi::Value limit = options.Get("bufferLimit");
  auto interval_ns = std::chrono::nanoseconds(
      interval.IsNumber() ? static_cast<int64_t>(interval.As<Napi::Number>().DoubleValue()) : 1000000000);
  uint64_t limit_bytes = limit.IsNumber() ? static_cast<uint64_t>(limit.As<Napi::Number>().DoubleValue()) : 0;
  Addon* addon = env.GetInstanceData<Addon>();
  auto instance = std::make_shared<InputInstance>(library_, addon->channel(), host, interval_ns, limit_bytes);
  addon->Track(instance);
  return NativeInput::Wrap(env, addon, instance);
}

// createCustom({ name?, properties, logLevel })
Napi::Value NativeLibrary::CreateCustom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options;
  HostInstance* host = NewHostInstance(env, info, FLB_PROXY_CUSTOM_PLUGIN, &options);
  Addon* addon = env.GetInstanceData<Addon>();
  auto instance = std::make_shared<CustomInstance>(library_, addon->channel(), host);
  addon->Track(instance);
  return NativeCustom::Wrap(env, addon, instance);
}

// unreadProperties(): string[]. The configured keys the plugin never looked
// up so far, in config order (TypeScript asks after Init and PreRun).
Napi::Value UnreadPropertiesOf(Napi::Env env, const HostInstance* host) {
  std::vector<std::string> unread = host->properties.Unread();
  Napi::Array out = Napi::Array::New(env, unread.size());
  for (size_t i = 0; i < unread.size(); i++) out.Set(static_cast<uint32_t>(i), unread[i]);
  return out;
}

// --- NativeOutput ----------------------------------------------------------

struct OutputHandoff {
  std::shared_ptr<OutputInstance> instance;
};

Napi::Function NativeOutput::Define(Napi::Env env) {
  return DefineClass(env, "NativeOutput", {
      InstanceAccessor("id", &NativeOutput::Id, nullptr),
      InstanceAccessor("name", &NativeOutput::Name, nullptr),
      InstanceMethod("start", &NativeOutput::Start),
      InstanceMethod("flush", &NativeOutput::Flush),
      InstanceMethod("cancelQueued", &NativeOutput::CancelQueued),
      InstanceMethod("close", &NativeOutput::Close),
      InstanceMethod("metrics", &NativeOutput::Metrics),
      InstanceMethod("unreadProperties", &NativeOutput::UnreadProperties),
      InstanceMethod("setLogLevel", &NativeOutput::SetLogLevel),
  });
}

NativeOutput::NativeOutput(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeOutput>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeOutput is created by NativeLibrary.createOutput()");
  }
  instance_ = info[0].As<Napi::External<OutputHandoff>>().Data()->instance;
}

NativeOutput::~NativeOutput() {
  // Garbage-collected without close(): close in the background, after any
  // flush still queued. (At environment teardown Abandon() ran first.)
  if (instance_) instance_->CloseUnobserved();
}

Napi::Object NativeOutput::Wrap(Napi::Env env, Addon* addon, std::shared_ptr<OutputInstance> instance) {
  OutputHandoff handoff{std::move(instance)};
  return addon->output_class().New({Napi::External<OutputHandoff>::New(env, &handoff)});
}

Napi::Value NativeOutput::Id(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(instance_->host()->id));
}

Napi::Value NativeOutput::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), instance_->host()->name);
}

Napi::Value NativeOutput::SetLogLevel(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "setLogLevel(level): level must be a number");
  }
  instance_->host()->log_level = info[0].As<Napi::Number>().Int32Value();
  return info.Env().Undefined();
}

// Every method that hands work to the core: a promise, a pending-op
// reference on the channel (so Node stays alive until it settles), and
// `submit`, which hands the core the promise's deferred as the operation's
// CompletionId. A refused submission settles the promise through the
// channel too, so callers see one path whichever way it goes.
template <typename Submit>
Napi::Value QueuePluginWork(Napi::Env env, const char* phase, Submit submit) {
  Addon* addon = env.GetInstanceData<Addon>();
  napi_value promise;
  napi_deferred deferred = NewDeferred(env, &promise);
  std::string error;
  addon->channel()->BeginOp(env);
  if (!submit(EnvChannel::IdOf(deferred), &error)) {
    std::string phase_name = phase;
    addon->channel()->PostSettle(deferred, [error, phase_name](Napi::Env env) -> Napi::Value {
      throw ErrorWithPhase(env, error, phase_name);
    });
  }
  return Napi::Value(env, promise);
}

// metrics(): Promise<string>. The instance's metrics in Prometheus text,
// encoded by the plugin's own cmetrics code on a thread of its own ("" when
// the plugin has none).
Napi::Value ReadMetrics(Napi::Env env, HostInstance* host) {
  std::shared_ptr<EnvChannel> channel = env.GetInstanceData<Addon>()->channel();
  return QueuePluginWork(env, "flush", [channel, host](CompletionId id, std::string* error) {
    return StartPluginThread("flb-metrics", [channel, host, id] {
      channel->Completed(id, Completion::Text(EncodeMetrics(host)));
    }, error);
  });
}

Napi::Value NativeOutput::Start(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "init", [this](CompletionId id, std::string* error) {
    return instance_->Start(id, error);
  });
}

// flush(tag: string, data: Uint8Array | Uint8Array[]): Promise<number>
Napi::Value NativeOutput::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto is_bytes = [](const Napi::Value& v) {
    return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
  };
  if (info.Length() < 2 || !info[0].IsString() || !(is_bytes(info[1]) || info[1].IsArray())) {
    throw Napi::TypeError::New(env, "flush(tag, data): tag must be a string and data a Uint8Array or an array of them");
  }
  // Pieces of one chunk (the engine's, in order) or one whole chunk.
  std::vector<Napi::Uint8Array> pieces;
  if (info[1].IsArray()) {
    Napi::Array list = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value piece = list.Get(i);
      if (!is_bytes(piece)) throw Napi::TypeError::New(env, "flush(tag, data): every piece must be a Uint8Array");
      pieces.push_back(piece.As<Napi::Uint8Array>());
    }
  } else {
    pieces.push_back(info[1].As<Napi::Uint8Array>());
  }
  std::string tag = info[0].As<Napi::String>().Utf8Value();
  // The plugin gets a copy owned by the flush, not the JS memory: JS can
  // detach or transfer an ArrayBuffer at any moment (postMessage,
  // structuredClone) and environment teardown frees it, while the plugin
  // may still be reading on its thread. The copy is made here, overlapping
  // the plugin's work on earlier chunks (npm run bench measures its cost),
  // and it is the only one: pieces are copied straight into it.
  size_t length = 0;
  for (auto& piece : pieces) length += piece.ByteLength();
  std::unique_ptr<uint8_t[]> copy(new uint8_t[length > 0 ? length : 1]);
  size_t at = 0;
  for (auto& piece : pieces) {
    if (piece.ByteLength() > 0) memcpy(copy.get() + at, piece.Data(), piece.ByteLength());
    at += piece.ByteLength();
  }
  return QueuePluginWork(env, "flush", [&](CompletionId id, std::string* error) {
    return instance_->Flush(id, std::move(copy), length, std::move(tag), error);
  });
}

// cancelQueued(): number
Napi::Value NativeOutput::CancelQueued(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(instance_->CancelQueued()));
}

Napi::Value NativeOutput::Metrics(const Napi::CallbackInfo& info) {
  return ReadMetrics(info.Env(), instance_->host());
}

Napi::Value NativeOutput::UnreadProperties(const Napi::CallbackInfo& info) {
  return UnreadPropertiesOf(info.Env(), instance_->host());
}

Napi::Value NativeOutput::Close(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "exit", [this](CompletionId id, std::string* error) {
    return instance_->Close(id, error);
  });
}

// --- NativeInput -------------------------------------------------------------

struct InputHandoff {
  std::shared_ptr<InputInstance> instance;
};

Napi::Function NativeInput::Define(Napi::Env env) {
  return DefineClass(env, "NativeInput", {
      InstanceAccessor("id", &NativeInput::Id, nullptr),
      InstanceAccessor("name", &NativeInput::Name, nullptr),
      InstanceMethod("start", &NativeInput::Start),
      InstanceMethod("release", &NativeInput::Release),
      InstanceMethod("setPaused", &NativeInput::SetPaused),
      InstanceMethod("stats", &NativeInput::Stats),
      InstanceMethod("close", &NativeInput::Close),
      InstanceMethod("metrics", &NativeInput::Metrics),
      InstanceMethod("unreadProperties", &NativeInput::UnreadProperties),
      InstanceMethod("setLogLevel", &NativeInput::SetLogLevel),
      InstanceMethod("setKeepAlive", &NativeInput::SetKeepAlive),
  });
}

NativeInput::NativeInput(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeInput>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeInput is created by NativeLibrary.createInput()");
  }
  instance_ = info[0].As<Napi::External<InputHandoff>>().Data()->instance;
}

NativeInput::~NativeInput() {
  if (instance_) instance_->CloseUnobserved();
}

Napi::Object NativeInput::Wrap(Napi::Env env, Addon* addon, std::shared_ptr<InputInstance> instance) {
  InputHandoff handoff{std::move(instance)};
  return addon->input_class().New({Napi::External<InputHandoff>::New(env, &handoff)});
}

Napi::Value NativeInput::Id(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(instance_->host()->id));
}

Napi::Value NativeInput::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), instance_->host()->name);
}

Napi::Value NativeInput::Start(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "init", [this](CompletionId id, std::string* error) {
    return instance_->Start(id, error);
  });
}

Napi::Value NativeInput::Release(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "release(bytes): bytes must be a number");
  }
  instance_->Release(static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue()));
  return info.Env().Undefined();
}

Napi::Value NativeInput::SetPaused(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), "setPaused(paused): paused must be a boolean");
  }
  instance_->SetUserPaused(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value NativeInput::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const InputStats& s = instance_->stats();
  Napi::Object out = Napi::Object::New(env);
  out.Set("collects", static_cast<double>(s.collects.load()));
  out.Set("collectErrors", static_cast<double>(s.collect_errors.load()));
  out.Set("chunks", static_cast<double>(s.chunks.load()));
  out.Set("bytes", static_cast<double>(s.bytes.load()));
  out.Set("pauses", static_cast<double>(s.pauses.load()));
  out.Set("droppedChunks", static_cast<double>(s.dropped_chunks.load()));
  out.Set("outstandingBytes", static_cast<double>(instance_->outstanding_bytes()));
  out.Set("peakOutstandingBytes", static_cast<double>(s.peak_outstanding.load()));
  out.Set("malformedChunks", static_cast<double>(s.malformed_chunks.load()));
  out.Set("paused", instance_->paused());
  return out;
}

Napi::Value NativeInput::Metrics(const Napi::CallbackInfo& info) {
  return ReadMetrics(info.Env(), instance_->host());
}

Napi::Value NativeInput::UnreadProperties(const Napi::CallbackInfo& info) {
  return UnreadPropertiesOf(info.Env(), instance_->host());
}

Napi::Value NativeInput::Close(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "exit", [this](CompletionId id, std::string* error) {
    return instance_->Close(id, error);
  });
}

Napi::Value NativeInput::SetLogLevel(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "setLogLevel(level): level must be a number");
  }
  instance_->host()->log_level = info[0].As<Napi::Number>().Int32Value();
  return info.Env().Undefined();
}

// A running input keeps Node alive, like a listening socket: counted as a
// pending operation on the channel until setKeepAlive(false).
Napi::Value NativeInput::SetKeepAlive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    throw Napi::TypeError::New(env, "setKeepAlive(keep): keep must be a boolean");
  }
  bool keep = info[0].As<Napi::Boolean>().Value();
  if (keep == keeps_alive_) return env.Undefined();
  keeps_alive_ = keep;
  Addon* addon = env.GetInstanceData<Addon>();
  if (keep) {
    addon->channel()->BeginOp(env);
  } else {
    addon->channel()->EndOp(env);
  }
  return env.Undefined();
}

// --- NativeCustom ------------------------------------------------------------

struct CustomHandoff {
  std::shared_ptr<CustomInstance> instance;
};

Napi::Function NativeCustom::Define(Napi::Env env) {
  return DefineClass(env, "NativeCustom", {
      InstanceAccessor("id", &NativeCustom::Id, nullptr),
      InstanceAccessor("name", &NativeCustom::Name, nullptr),
      InstanceMethod("start", &NativeCustom::Start),
      InstanceMethod("close", &NativeCustom::Close),
      InstanceMethod("metrics", &NativeCustom::Metrics),
      InstanceMethod("unreadProperties", &NativeCustom::UnreadProperties),
  });
}

NativeCustom::NativeCustom(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeCustom>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeCustom is created by NativeLibrary.createCustom()");
  }
  instance_ = info[0].As<Napi::External<CustomHandoff>>().Data()->instance;
}

NativeCustom::~NativeCustom() {
  if (instance_) instance_->Abandon();
}

Napi::Object NativeCustom::Wrap(Napi::Env env, Addon* addon, std::shared_ptr<CustomInstance> instance) {
  CustomHandoff handoff{std::move(instance)};
  return addon->custom_class().New({Napi::External<CustomHandoff>::New(env, &handoff)});
}

Napi::Value NativeCustom::Id(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(instance_->host()->id));
}

Napi::Value NativeCustom::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), instance_->host()->name);
}

Napi::Value NativeCustom::Start(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "init", [this](CompletionId id, std::string* error) {
    return instance_->Start(id, error);
  });
}

Napi::Value NativeCustom::Metrics(const Napi::CallbackInfo& info) {
  return ReadMetrics(info.Env(), instance_->host());
}

Napi::Value NativeCustom::UnreadProperties(const Napi::CallbackInfo& info) {
  return UnreadPropertiesOf(info.Env(), instance_->host());
}

Napi::Value NativeCustom::Close(const Napi::CallbackInfo& info) {
  return QueuePluginWork(info.Env(), "exit", [this](CompletionId id, std::string* error) {
    return instance_->Close(id, error);
  });
}

}  // namespace flbhost

using flbhost::Addon;
NODE_API_NAMED_ADDON(flbhost, Addon)
