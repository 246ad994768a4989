#include "library.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <map>

#include "instance_events.h"

namespace flbhost {

namespace {

// What the registry remembers about one real path. A library whose
// registration failed stays loaded (it cannot be unloaded) and must not be
// registered a second time, so its failure is remembered too.
struct RegistryEntry {
  std::shared_ptr<Library> library;  // kept even when loading failed: see Bases()
  bool ok = false;
  LoadFailure failure;
};

// Deliberately leaked: plugin threads may still log (and so look libraries
// up) while static destructors run at process exit.
std::mutex& RegistryMutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
std::map<std::string, RegistryEntry>& Registry() {
  static auto* registry = new std::map<std::string, RegistryEntry>();
  return *registry;
}

// Load bases for FromCodeAddress, kept apart from the registry so that a
// log_print during a slow load never waits for that load.
std::mutex& BasesMutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
std::vector<std::pair<const void*, Library*>>& Bases() {
  static auto* bases = new std::vector<std::pair<const void*, Library*>>();
  return *bases;
}

template <typename Fn>
Fn Resolve(void* handle, const char* symbol, std::vector<std::string>* found) {
  dlerror();
  void* address = dlsym(handle, symbol);
  if (dlerror() != nullptr || address == nullptr) return nullptr;
  found->push_back(symbol);
  return reinterpret_cast<Fn>(address);
}

const char* TypeName(int type) {
  switch (type) {
    case FLB_PROXY_INPUT_PLUGIN: return "input";
    case FLB_PROXY_OUTPUT_PLUGIN: return "output";
    case FLB_PROXY_CUSTOM_PLUGIN: return "custom";
    default: return "unknown";
  }
}

}  // namespace

std::shared_ptr<Library> Library::Load(const std::string& path,
                                       const std::shared_ptr<InstanceEvents>& log_events,
                                       LoadFailure* failure) {
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) {
    *failure = {"load", std::string("cannot resolve path: ") + strerror(errno), ""};
    return nullptr;
  }

  std::lock_guard<std::mutex> registry_lock(RegistryMutex());
  auto answer = [failure](const RegistryEntry& entry) -> std::shared_ptr<Library> {
    if (entry.ok) return entry.library;
    *failure = entry.failure;
    return nullptr;
  };
  auto found = Registry().find(real);
  if (found != Registry().end()) return answer(found->second);

  dlerror();
  void* handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* text = dlerror();
    std::string verbatim = text ? text : "dlopen failed";
    // Not remembered: nothing stayed loaded, and the file may be fixed.
    *failure = {"load", verbatim, verbatim};
    return nullptr;
  }

  // The same file under another path (a hard link, a bind mount): dlopen
  // knows it by device and inode and returned the handle it already has.
  // It is the same library, already registered: never register it twice.
  for (auto& [known_path, entry] : Registry()) {
    if (entry.library && entry.library->handle_ == handle) {
      RegistryEntry alias = entry;
      Registry()[real] = alias;
      return answer(alias);
    }
  }

  std::shared_ptr<Library> library(new Library());
  library->path_ = real;
  library->handle_ = handle;
  library->SetLogEvents(log_events);

  PluginSymbols& s = library->symbols_;
  std::vector<std::string>& x = library->exported_;
  s.pre_register = Resolve<flb_pre_register_fn>(handle, "FLBPluginPreRegister", &x);
  s.register_plugin = Resolve<flb_register_fn>(handle, "FLBPluginRegister", &x);
  s.unregister = Resolve<flb_unregister_fn>(handle, "FLBPluginUnregister", &x);
  s.init = Resolve<flb_init_fn>(handle, "FLBPluginInit", &x);
  s.exit = Resolve<flb_exit_fn>(handle, "FLBPluginExit", &x);
  s.flush = Resolve<flb_flush_fn>(handle, "FLBPluginFlush", &x);
  s.flush_ctx = Resolve<flb_flush_ctx_fn>(handle, "FLBPluginFlushCtx", &x);
  s.exit_ctx = Resolve<flb_exit_ctx_fn>(handle, "FLBPluginExitCtx", &x);
  s.output_pre_run = Resolve<flb_pre_run_fn>(handle, "FLBPluginOutputPreRun", &x);
  s.output_pre_exit = Resolve<flb_pre_exit_fn>(handle, "FLBPluginOutputPreExit", &x);
  s.input_callback = Resolve<flb_input_callback_fn>(handle, "FLBPluginInputCallback", &x);
  s.input_callback_ctx = Resolve<flb_input_callback_ctx_fn>(handle, "FLBPluginInputCallbackCtx", &x);
  s.input_cleanup = Resolve<flb_input_cleanup_fn>(handle, "FLBPluginInputCleanupCallback", &x);
  s.input_cleanup_ctx = Resolve<flb_input_cleanup_ctx_fn>(handle, "FLBPluginInputCleanupCallbackCtx", &x);
  s.input_pre_run = Resolve<flb_pre_run_fn>(handle, "FLBPluginInputPreRun", &x);
  s.input_pause = Resolve<flb_input_pause_fn>(handle, "FLBPluginInputPause", &x);
  s.input_resume = Resolve<flb_input_resume_fn>(handle, "FLBPluginInputResume", &x);
  s.input_pre_exit = Resolve<flb_pre_exit_fn>(handle, "FLBPluginInputPreExit", &x);
  s.cmt_create = Resolve<void* (*)()>(handle, "cmt_create", &x);
  s.cmt_destroy = Resolve<void (*)(void*)>(handle, "cmt_destroy", &x);
  s.cmt_encode_prometheus_create =
      Resolve<char* (*)(void*, int)>(handle, "cmt_encode_prometheus_create", &x);
  s.cmt_encode_prometheus_destroy =
      Resolve<void (*)(char*)>(handle, "cmt_encode_prometheus_destroy", &x);

  auto remember_failure = [&](const std::string& phase, const std::string& message) {
    *failure = {phase, message, ""};
    Registry()[real] = RegistryEntry{library, false, *failure};
    return nullptr;
  };

  if (s.register_plugin == nullptr) {
    return remember_failure(
        "load", "FLBPluginRegister is not exported: this is not a Fluent Bit proxy plugin");
  }

  // Known by load address before Register runs, so that log lines from
  // Register onwards name the plugin.
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(s.register_plugin), &info) != 0) {
    library->load_base_ = info.dli_fbase;
    std::lock_guard<std::mutex> lock(BasesMutex());
    Bases().emplace_back(library->load_base_, library.get());
  }

  {
    std::lock_guard<std::mutex> lifecycle(library->lifecycle_mutex_);
    if (!library->RegisterLocked(0, failure)) {
      Registry()[real] = RegistryEntry{library, false, *failure};
      return nullptr;
    }
  }

  if (s.init == nullptr) return remember_failure("load", "FLBPluginInit is not exported");
  if (library->type_ == FLB_PROXY_OUTPUT_PLUGIN && s.flush == nullptr &&
      s.flush_ctx == nullptr) {
    return remember_failure(
        "load",
        "an output plugin must export FLBPluginFlush or FLBPluginFlushCtx; this one exports neither");
  }
  if (library->type_ == FLB_PROXY_INPUT_PLUGIN && s.input_callback == nullptr &&
      s.input_callback_ctx == nullptr) {
    return remember_failure(
        "load",
        "an input plugin must export FLBPluginInputCallback or FLBPluginInputCallbackCtx; "
        "this one exports neither");
  }

  Registry()[real] = RegistryEntry{library, true, {}};
  return library;
}

bool Library::RegisterLocked(int hot_reloading, LoadFailure* failure) {
  if (symbols_.pre_register != nullptr && symbols_.pre_register(hot_reloading) == -1) {
    *failure = {"register",
                "FLBPluginPreRegister(" + std::to_string(hot_reloading) + ") returned -1", ""};
    return false;
  }
  // Zeroed: plugins older than Fluent Bit 5.0 never write event_type.
  memset(&def_, 0, sizeof(def_));
  if (symbols_.register_plugin(&def_) == -1) {
    *failure = {"register", "FLBPluginRegister returned -1", ""};
    return false;
  }
  if (def_.proxy != FLB_PROXY_GOLANG) {
    *failure = {"register",
                "registered proxy kind " + std::to_string(def_.proxy) +
                    "; only 11 (the Go proxy ABI) is supported",
                ""};
    return false;
  }
  if (def_.type != FLB_PROXY_INPUT_PLUGIN && def_.type != FLB_PROXY_OUTPUT_PLUGIN &&
      def_.type != FLB_PROXY_CUSTOM_PLUGIN) {
    *failure = {"register",
                "registered plugin type " + std::to_string(def_.type) +
                    "; expected 1 (input), 2 (output) or 3 (custom)",
                ""};
    return false;
  }
  if (def_.name == nullptr || def_.name[0] == '\0') {
    *failure = {"register", "FLBPluginRegister wrote no plugin name", ""};
    return false;
  }
  std::string name = def_.name;
  if (!name_.empty()) {
    // Registered again after an Unregister: the identity must not change,
    // and the fields other threads read without a lock are left alone.
    if (name != name_ || def_.type != type_) {
      *failure = {"register",
                  "registered again as " + std::string(TypeName(def_.type)) + " '" + name +
                      "', first registered as " + TypeName(type_) + " '" + name_ + "'",
                  ""};
      return false;
    }
    registered_ = true;
    return true;
  }
  // Copied now: the plugin frees these in FLBPluginUnregister (fluent-bit-go)
  // or FLBPluginExit (calyptia).
  name_ = name;
  description_ = def_.description ? def_.description : "";
  type_ = def_.type;
  flags_ = def_.flags;
  event_type_ = def_.event_type;
  registered_ = true;
  return true;
}

bool Library::AcquireInstanceLocked(std::string* error) {
  if (!registered_) {
    LoadFailure failure;
    if (!RegisterLocked(1, &failure)) {
      *error = failure.message;
      return false;
    }
  }
  live_instances_++;
  return true;
}

void Library::ReleaseInstanceLocked() {
  if (live_instances_ > 0 && --live_instances_ == 0 && registered_) {
    // Fluent Bit unregisters inputs and outputs only; custom destroy doesn't.
    if (symbols_.unregister != nullptr && type_ != FLB_PROXY_CUSTOM_PLUGIN) {
      symbols_.unregister(&def_);
    }
    registered_ = false;
  }
}

int Library::live_instances() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  return live_instances_;
}

std::string Library::NextInstanceName() {
  return name_ + "." + std::to_string(next_instance_index_++);
}

void Library::SetLogEvents(const std::shared_ptr<InstanceEvents>& events) {
  std::lock_guard<std::mutex> lock(log_events_mutex_);
  log_events_ = events;
}

std::shared_ptr<InstanceEvents> Library::log_events() const {
  std::lock_guard<std::mutex> lock(log_events_mutex_);
  return log_events_.lock();
}

Library* Library::FromCodeAddress(const void* address) {
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(BasesMutex());
  for (const auto& [base, library] : Bases()) {
    if (base == info.dli_fbase) return library;
  }
  return nullptr;
}

}  // namespace flbhost
