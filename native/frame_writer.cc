#include "frame_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

namespace flbhost {

Frame::Frame(FrameType type, uint64_t op) : type_(type) {
  bytes_.reserve(64);
  U32(0);  // length, filled in by Seal()
  U8(static_cast<uint8_t>(type));
  U64(op);
}

Frame::Frame(Frame&& other) noexcept
    : type_(other.type_), bytes_(std::move(other.bytes_)), tail_(other.tail_), tail_length_(other.tail_length_) {
  other.tail_ = nullptr;
  other.tail_length_ = 0;
}

Frame::~Frame() { free(tail_); }

Frame& Frame::U8(uint8_t value) {
  bytes_.push_back(value);
  return *this;
}

Frame& Frame::I32(int32_t value) { return U32(static_cast<uint32_t>(value)); }

Frame& Frame::U32(uint32_t value) {
  for (int i = 0; i < 4; i++) bytes_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  return *this;
}

Frame& Frame::U64(uint64_t value) {
  for (int i = 0; i < 8; i++) bytes_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  return *this;
}

Frame& Frame::String(const std::string& value) {
  U32(static_cast<uint32_t>(value.size()));
  bytes_.insert(bytes_.end(), value.begin(), value.end());
  return *this;
}

Frame& Frame::Tail(uint8_t* data, size_t length) {
  free(tail_);
  tail_ = data;
  tail_length_ = length;
  return *this;
}

uint8_t* Frame::ReleaseTail() {
  uint8_t* tail = tail_;
  tail_ = nullptr;
  tail_length_ = 0;
  return tail;
}

void Frame::Seal() {
  uint64_t length = bytes_.size() - 4 + tail_length_;
  for (int i = 0; i < 4; i++) bytes_[i] = static_cast<uint8_t>(length >> (8 * i));
}

FrameWriter::FrameWriter(int fd) : fd_(fd) {
  thread_ = std::thread([this] { Run(); });
}

FrameWriter::~FrameWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool FrameWriter::Post(Frame&& frame) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_) return false;
    if (frame.type() == FrameType::kLog) {
      if (queued_logs_ >= kMaxQueuedLogs) {
        dropped_logs_++;
        return true;  // counted, reported once there is room
      }
      queued_logs_++;
    }
    queue_.push_back(std::move(frame));
  }
  ready_.notify_one();
  return true;
}

void FrameWriter::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  drained_.wait(lock, [this] { return failed_ || (queue_.empty() && !writing_); });
}

void FrameWriter::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return failed_ || !queue_.empty(); });
    if (failed_) break;
    Frame frame = std::move(queue_.front());
    queue_.pop_front();
    if (frame.type() == FrameType::kLog) queued_logs_--;
    uint64_t dropped = 0;
    if (dropped_logs_ > 0 && queued_logs_ == 0) {
      dropped = dropped_logs_;
      dropped_logs_ = 0;
    }
    writing_ = true;
    lock.unlock();
    bool ok = WriteAll(frame);
    if (ok && dropped > 0) {
      Frame notice(FrameType::kLog, 0);
      notice.I32(2).String("").String("").I32(0).String(
          "flbhost: " + std::to_string(dropped) + " plugin log line(s) dropped: the parent was not reading them fast enough");
      ok = WriteAll(notice);
    }
    lock.lock();
    writing_ = false;
    if (!ok) failed_ = true;
    if (failed_ || queue_.empty()) drained_.notify_all();
  }
  drained_.notify_all();
}

bool FrameWriter::WriteAll(Frame& frame) {
  frame.Seal();
  struct iovec parts[2];
  parts[0].iov_base = const_cast<uint8_t*>(frame.head().data());
  parts[0].iov_len = frame.head().size();
  parts[1].iov_base = const_cast<uint8_t*>(frame.tail());
  parts[1].iov_len = frame.tail_length();
  int count = frame.tail_length() > 0 ? 2 : 1;
  struct iovec* next = parts;
  while (count > 0) {
    ssize_t written = writev(fd_, next, count);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    size_t left = static_cast<size_t>(written);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      next++;
      count--;
    }
    if (count > 0) {
      next->iov_base = static_cast<uint8_t*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return true;
}

}  // namespace flbhost
