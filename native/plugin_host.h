// The child side of isolation: one process hosting one plugin instance for
// flbhost, driven by frames on a pipe (frame_protocol.h). It is the same
// core as the addon (library, host_api, the instances) behind a different
// front end: this class receives the core's events (InstanceEvents) and
// turns them into frames, as env_channel.* turns them into JS calls.
#ifndef FLBHOST_PLUGIN_HOST_H
#define FLBHOST_PLUGIN_HOST_H

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "frame_reader.h"
#include "frame_writer.h"
#include "instance_events.h"

namespace flbhost {

class Library;
class OutputInstance;
class InputInstance;
class CustomInstance;
struct HostInstance;

class PluginHost : public InstanceEvents, public std::enable_shared_from_this<PluginHost> {
 public:
  PluginHost(int command_fd, int event_fd);

  // Serves commands until the parent closes its end; returns the exit code.
  int Serve();

  bool Completed(CompletionId id, Completion completion) override;
  bool Log(LogRecord record) override;
  bool InputChunkReady(InputChunk chunk) override;

 private:
  bool Dispatch(FrameType type, uint64_t op);
  bool LoadLibrary(uint64_t op);
  bool Create(uint64_t op);
  void Start(uint64_t op);
  bool Flush(uint64_t op);
  void Close(uint64_t op);
  void Metrics(uint64_t op);
  void Refuse(uint64_t op, const std::string& message, const std::string& phase);
  void PostStats();
  void StatsLoop();
  void CloseAfterParentLeft();

  // The operation the host itself starts when the parent went away without
  // closing the instance (it was killed): a graceful Close, bounded.
  static constexpr CompletionId kParentGoneClose = ~0ULL;

  FrameReader reader_;
  FrameWriter writer_;
  std::shared_ptr<Library> library_;
  HostInstance* host_ = nullptr;  // never freed (see HostInstance)
  std::shared_ptr<OutputInstance> output_;
  std::shared_ptr<InputInstance> input_;
  std::shared_ptr<CustomInstance> custom_;
  CompletionId start_op_ = kNobodyWaits;
  bool close_requested_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool parent_gone_closed_ = false;
  bool stopping_ = false;
};

}  // namespace flbhost

#endif
