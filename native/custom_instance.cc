#include "custom_instance.h"

#include "host_api.h"
#include "library.h"
#include "plugin_thread.h"

namespace flbhost {

CustomInstance::CustomInstance(std::shared_ptr<Library> library,
                               std::shared_ptr<InstanceEvents> events, HostInstance* host)
    : library_(std::move(library)), events_(std::move(events)), host_(host) {}

bool CustomInstance::Start(CompletionId id, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kCreated) {
      *error = "instance was already started";
      return false;
    }
    state_ = State::kStarting;
  }
  auto self = shared_from_this();
  return StartPluginThread("flb-cu-" + host_->name, [self, id] {
    std::string failure;
    int result = FLB_ERROR;
    {
      std::lock_guard<std::mutex> lifecycle(self->library_->lifecycle_mutex());
      if (self->library_->AcquireInstanceLocked(&failure)) {
        EnsureMetricsContext(self->host_);
        flbgo_custom_plugin& plugin = self->host_->custom_plugin;  // never freed
        plugin.name = const_cast<char*>(self->library_->name().c_str());
        plugin.api = HostApi();
        plugin.c_ins = self->host_;
        plugin.context = &self->host_->context;
        CurrentInstanceScope scope(self->host_);
        result = self->library_->symbols().init(&plugin);
        if (result <= 0) self->library_->ReleaseInstanceLocked();
      }
    }
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->state_ = failure.empty() && result > 0 ? State::kRunning : State::kFailed;
    }
    self->events_->Completed(id, Completion::InitResult(failure, result));
  }, error);
}

bool CustomInstance::Close(CompletionId id, std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kRunning) {
      *error = state_ == State::kClosing || state_ == State::kClosed
                   ? "instance is already closed"
                   : "cannot close: instance is not running";
      return false;
    }
    state_ = State::kClosing;
  }
  auto self = shared_from_this();
  return StartPluginThread("flb-cu-" + host_->name, [self, id] {
    {
      std::lock_guard<std::mutex> lifecycle(self->library_->lifecycle_mutex());
      CurrentInstanceScope scope(self->host_);
      if (self->library_->symbols().exit != nullptr) self->library_->symbols().exit();
      self->library_->ReleaseInstanceLocked();
    }
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->state_ = State::kClosed;
    }
    if (id != kNobodyWaits) self->events_->Completed(id, Completion::Done());
  }, error);
}

}  // namespace flbhost
