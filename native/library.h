// One loaded plugin .so, and the process-wide registry of them.
#ifndef FLBHOST_LIBRARY_H
#define FLBHOST_LIBRARY_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abi.h"

namespace flbhost {

class InstanceEvents;

// Every entry point the host may call, resolved once at load.
struct PluginSymbols {
  flb_pre_register_fn pre_register = nullptr;
  flb_register_fn register_plugin = nullptr;
  flb_unregister_fn unregister = nullptr;
  flb_init_fn init = nullptr;
  flb_exit_fn exit = nullptr;
  // outputs
  flb_flush_fn flush = nullptr;
  flb_flush_ctx_fn flush_ctx = nullptr;
  flb_exit_ctx_fn exit_ctx = nullptr;
  flb_pre_run_fn output_pre_run = nullptr;
  flb_pre_exit_fn output_pre_exit = nullptr;
  // inputs
  flb_input_callback_fn input_callback = nullptr;
  flb_input_callback_ctx_fn input_callback_ctx = nullptr;
  flb_input_cleanup_fn input_cleanup = nullptr;
  flb_input_cleanup_ctx_fn input_cleanup_ctx = nullptr;
  flb_pre_run_fn input_pre_run = nullptr;
  flb_input_pause_fn input_pause = nullptr;
  flb_input_resume_fn input_resume = nullptr;
  flb_pre_exit_fn input_pre_exit = nullptr;
  // The plugin's own statically linked cmetrics (calyptia plugins carry
  // one): a metrics context made by these has exactly the layout the
  // plugin's code expects, which no host-built struct could promise.
  void* (*cmt_create)() = nullptr;
  void (*cmt_destroy)(void*) = nullptr;
  char* (*cmt_encode_prometheus_create)(void*, int add_timestamp) = nullptr;
  void (*cmt_encode_prometheus_destroy)(char*) = nullptr;
};

// Why a load failed. `phase` is "load" (dlopen, symbols) or "register".
struct LoadFailure {
  std::string phase;
  std::string message;
  std::string dlerror;  // verbatim dlerror() text, when dlopen failed
};

// A plugin .so, loaded once per process and never unloaded.
//
// Process-wide because dlopen is: the main thread and every worker_thread
// that opens the same file get the same handle, the same Go runtime and the
// same plugin globals, so Register must run once per process, not per
// environment. Never dlclose'd because a Go runtime cannot be unloaded (Go
// links c-shared objects with -z nodelete anyway).
class Library {
 public:
  // Opens `path`, or returns the library already loaded from the same file
  // (same real path, or the same handle from dlopen: hard links). Runs
  // plugin code (Go runtime start-up, FLBPluginRegister): call it on a
  // plugin thread only. Log lines the plugin writes while loading go to
  // `log_events`.
  static std::shared_ptr<Library> Load(const std::string& path,
                                       const std::shared_ptr<InstanceEvents>& log_events,
                                       LoadFailure* failure);

  // The library whose code contains `address`, or nullptr. Lets log_print
  // name the plugin that called it, even from a goroutine's thread.
  static Library* FromCodeAddress(const void* address);

  const std::string& path() const { return path_; }
  // Set by the first successful Register and never changed afterwards, so
  // any thread may read them without a lock.
  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  int type() const { return type_; }
  int flags() const { return flags_; }
  int event_type() const { return event_type_; }
  const std::vector<std::string>& exported_symbols() const { return exported_; }
  // Instances alive now, in every environment of the process.
  int live_instances();
  const PluginSymbols& symbols() const { return symbols_; }

  // Fluent Bit runs the lifecycle calls of one plugin (Register, Init,
  // PreRun, PreExit, Exit, Unregister) one at a time; plugins rely on it
  // (fluent-bit-go points shared state at the instance being initialised).
  // Hold this around each of them. Flushes never take it.
  std::mutex& lifecycle_mutex() { return lifecycle_mutex_; }

  // Instance accounting, under lifecycle_mutex(). The first instance after an
  // Unregister registers the plugin again, the way Fluent Bit's hot reload
  // does: FLBPluginPreRegister(1), then FLBPluginRegister on a zeroed def.
  bool AcquireInstanceLocked(std::string* error);
  // After the last instance's Exit: FLBPluginUnregister(def), once (inputs
  // and outputs only, as in Fluent Bit).
  void ReleaseInstanceLocked();

  // "name.N", numbered per plugin for the whole process like Fluent Bit.
  std::string NextInstanceName();

  // Where log lines go when a plugin logs outside any known instance.
  void SetLogEvents(const std::shared_ptr<InstanceEvents>& events);
  std::shared_ptr<InstanceEvents> log_events() const;

 private:
  Library() = default;
  bool RegisterLocked(int hot_reloading, LoadFailure* failure);

  std::string path_;
  void* handle_ = nullptr;
  const void* load_base_ = nullptr;
  PluginSymbols symbols_;
  std::vector<std::string> exported_;

  // The def must outlive FLBPluginUnregister, which frees name/description.
  flb_plugin_proxy_def def_{};
  bool registered_ = false;
  std::string name_;
  std::string description_;
  int type_ = 0;
  int flags_ = 0;
  int event_type_ = 0;

  std::mutex lifecycle_mutex_;
  int live_instances_ = 0;
  std::atomic<uint32_t> next_instance_index_{0};

  mutable std::mutex log_events_mutex_;
  std::weak_ptr<InstanceEvents> log_events_;
};

}  // namespace flbhost

#endif
