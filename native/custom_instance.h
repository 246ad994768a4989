// One custom plugin instance: FLBPluginInit and FLBPluginExit, nothing else.
#ifndef FLBHOST_CUSTOM_INSTANCE_H
#define FLBHOST_CUSTOM_INSTANCE_H

#include <memory>
#include <mutex>
#include <string>

#include "abi.h"
#include "instance_events.h"

namespace flbhost {

class Library;
struct HostInstance;

// Custom plugins never receive data: they are initialised, live, and exit.
// Each call runs on a short-lived plugin thread of its own (never on the JS
// thread), under the library's lifecycle lock. As in Fluent Bit, a custom
// plugin is never Unregistered.
class CustomInstance : public std::enable_shared_from_this<CustomInstance> {
 public:
  CustomInstance(std::shared_ptr<Library> library, std::shared_ptr<InstanceEvents> events,
                 HostInstance* host);

  HostInstance* host() const { return host_; }

  // The owner's thread.
  bool Start(CompletionId id, std::string* error);  // completes with Init's result
  bool Close(CompletionId id, std::string* error);  // kNobodyWaits: nobody waits
  // Environment teardown, or the JS wrapper was collected: exit if running.
  void Abandon() {
    std::string ignored;
    Close(kNobodyWaits, &ignored);
  }

 private:
  enum class State { kCreated, kStarting, kRunning, kClosing, kClosed, kFailed };

  const std::shared_ptr<Library> library_;
  const std::shared_ptr<InstanceEvents> events_;
  HostInstance* const host_;

  std::mutex mutex_;
  State state_ = State::kCreated;
};

}  // namespace flbhost

#endif
