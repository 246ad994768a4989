// One custom plugin instance: FLBPluginInit and FLBPluginExit, nothing else.
#ifndef FLBHOST_CUSTOM_INSTANCE_H
#define FLBHOST_CUSTOM_INSTANCE_H

#include <node_api.h>

#include <memory>
#include <mutex>
#include <string>

#include "abi.h"

namespace flbhost {

class EnvChannel;
class Library;
struct HostInstance;

// Custom plugins never receive data: they are initialised, live, and exit.
// Each call runs on a short-lived plugin thread of its own (never on the JS
// thread), under the library's lifecycle lock. As in Fluent Bit, a custom
// plugin is never Unregistered.
class CustomInstance : public std::enable_shared_from_this<CustomInstance> {
 public:
  CustomInstance(std::shared_ptr<Library> library, std::shared_ptr<EnvChannel> channel,
                 HostInstance* host);

  HostInstance* host() const { return host_; }

  // JS thread.
  bool Start(napi_deferred deferred, std::string* error);  // settles with Init's result
  bool Close(napi_deferred deferred, std::string* error);  // nullptr: nobody waits
  // Environment teardown, or the JS wrapper was collected: exit if running.
  void Abandon() {
    std::string ignored;
    Close(nullptr, &ignored);
  }

 private:
  enum class State { kCreated, kStarting, kRunning, kClosing, kClosed, kFailed };

  const std::shared_ptr<Library> library_;
  const std::shared_ptr<EnvChannel> channel_;
  HostInstance* const host_;

  std::mutex mutex_;
  State state_ = State::kCreated;
};

}  // namespace flbhost

#endif
