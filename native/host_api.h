// The flb_api table plugins call back into, and the instance object they
// receive as o_ins / i_ins / c_ins.
#ifndef FLBHOST_HOST_API_H
#define FLBHOST_HOST_API_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi.h"
#include "instance_properties.h"

namespace flbhost {

class InstanceEvents;
class Library;

// What a plugin holds as its instance pointer. Plain data, immutable after
// creation except log_level and the properties' read flags (atomics), so
// every flb_api function can read it from any thread without a lock.
//
// Never freed: Go plugins keep this pointer (calyptia stores it at Init) and
// may call log_print / log_check / get_property from their own goroutine
// threads at any time, even after Exit. A few hundred bytes per instance ever
// created is the price of never handing a plugin a dangling pointer.
struct HostInstance {
  static constexpr uint32_t kMagic = 0x464c4248;  // "FLBH"
  uint32_t magic = kMagic;
  uint64_t id = 0;
  std::string name;                       // e.g. "jsonl.0"
  std::shared_ptr<Library> library;
  // Final key/value pairs in config order: ${ENV} already expanded and the
  // host's reserved keys already removed by the TypeScript layer. Records
  // which keys the plugin looked up.
  InstanceProperties properties;
  std::atomic<int> log_level{FLB_LOG_INFO};
  // Metrics context from the plugin's own cmt_create (see
  // EnsureMetricsContext); never destroyed, like the rest of this struct.
  void* cmt = nullptr;
  std::weak_ptr<InstanceEvents> events;   // where its log lines go

  // What FLBPluginInit receives ({name, api, ins, context}) and the context
  // it points at, one set per kind. Here, never freed, because a plugin may
  // keep the struct pointer from Init and use it from its own threads for
  // the rest of the process (calyptia logs through it).
  flbgo_output_plugin output_plugin{};
  flbgo_input_plugin input_plugin{};
  flbgo_custom_plugin custom_plugin{};
  flb_plugin_proxy_context context{};              // outputs, customs: 16 bytes
  flb_plugin_input_proxy_context input_context{};  // inputs: 24 bytes
};

// The one table shared by every plugin: all 9 slots filled.
flb_api* HostApi();

// Which instance the calling thread is running plugin code for. Plugin
// threads set it around every call so that log_print, which carries no
// instance argument, can name the instance.
class CurrentInstanceScope {
 public:
  explicit CurrentInstanceScope(HostInstance* instance);
  ~CurrentInstanceScope();

 private:
  HostInstance* previous_;
};

// Gives `instance` a metrics context made by its plugin's own cmt_create,
// if the plugin exports one (calyptia plugins need it: their Init fails on
// NULL). Plugin code: call on a plugin thread, before FLBPluginInit.
void EnsureMetricsContext(HostInstance* instance);

// The instance's metrics in Prometheus text, through the plugin's own
// encoder; empty when it has none. Plugin code: call on a plugin thread.
std::string EncodeMetrics(HostInstance* instance);

}  // namespace flbhost

#endif
