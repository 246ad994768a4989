// Building frames (frame_protocol.h) and writing them to the parent from
// any thread without ever blocking the thread that posts them.
#ifndef FLBHOST_FRAME_WRITER_H
#define FLBHOST_FRAME_WRITER_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_protocol.h"

namespace flbhost {

// One frame: the header and small fields in `bytes`, and optionally a large
// malloc'd tail (an input chunk) written after them without a copy.
class Frame {
 public:
  Frame(FrameType type, uint64_t op);
  Frame(Frame&& other) noexcept;
  Frame& operator=(Frame&& other) = delete;
  ~Frame();

  Frame& U8(uint8_t value);
  Frame& I32(int32_t value);
  Frame& U32(uint32_t value);
  Frame& U64(uint64_t value);
  Frame& String(const std::string& value);
  // Takes ownership of malloc'd `data` (freed with free()).
  Frame& Tail(uint8_t* data, size_t length);

  // Gives the tail back to the caller without freeing it.
  uint8_t* ReleaseTail();
  // Fills in the length field; called once, by the writer.
  void Seal();
  const std::vector<uint8_t>& head() const { return bytes_; }
  const uint8_t* tail() const { return tail_; }
  size_t tail_length() const { return tail_length_; }
  FrameType type() const { return type_; }

 private:
  FrameType type_;
  std::vector<uint8_t> bytes_;
  uint8_t* tail_ = nullptr;
  size_t tail_length_ = 0;
};

// A queue drained by one thread that writes to `fd`. Post() never blocks on
// the parent: the parent's event loop may be busy, and a plugin thread that
// logs must not wait for it. Log frames beyond kMaxQueuedLogs are dropped
// and counted (the count is reported in a log frame once there is room);
// everything else is bounded by what the parent asked for (a completion per
// request) or by the input's buffer limit (chunks).
class FrameWriter {
 public:
  explicit FrameWriter(int fd);
  ~FrameWriter();

  // False once writing failed (the parent is gone); the frame's tail is
  // then given back in `frame`, not freed (see InstanceEvents: on false the
  // caller still owns an input chunk).
  bool Post(Frame&& frame);
  // Waits until everything posted so far was written (or writing failed).
  void Drain();

 private:
  void Run();
  bool WriteAll(Frame& frame);

  static constexpr size_t kMaxQueuedLogs = 10000;

  const int fd_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable drained_;
  std::deque<Frame> queue_;
  size_t queued_logs_ = 0;
  uint64_t dropped_logs_ = 0;
  bool writing_ = false;
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace flbhost

#endif
