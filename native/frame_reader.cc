#include "frame_reader.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

namespace flbhost {

namespace {
// Big enough that a stream of small flushes needs one read() per many
// frames; a chunk larger than what is buffered is read straight into place.
constexpr size_t kBufferBytes = 256 * 1024;
}  // namespace

FrameReader::FrameReader(int fd) : fd_(fd), buffer_(kBufferBytes) {}

bool FrameReader::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
  return false;
}

bool FrameReader::Fill(size_t wanted) {
  if (end_ - start_ >= wanted) return true;
  if (wanted > buffer_.size()) buffer_.resize(wanted);  // a long property value
  if (start_ > 0) {
    memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  while (end_ < wanted) {
    ssize_t got = read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Fail(std::string("reading from flbhost failed: ") + strerror(errno));
    if (got == 0) return false;  // end of stream
    end_ += static_cast<size_t>(got);
  }
  return true;
}

bool FrameReader::Take(void* out, size_t length) {
  if (length > left_) return Fail("a frame is shorter than its fields");
  if (!Fill(length)) return Fail("the stream ended inside a frame");
  memcpy(out, buffer_.data() + start_, length);
  start_ += length;
  left_ -= length;
  return true;
}

bool FrameReader::Next(FrameType* type, uint64_t* op) {
  if (left_ > 0 && !Skip()) return false;
  if (!Fill(kFrameHeaderBytes)) {
    if (end_ != start_) return Fail("the stream ended inside a frame header");
    return false;
  }
  const uint8_t* p = buffer_.data() + start_;
  uint32_t length = 0;
  for (int i = 0; i < 4; i++) length |= static_cast<uint32_t>(p[i]) << (8 * i);
  uint64_t id = 0;
  for (int i = 0; i < 8; i++) id |= static_cast<uint64_t>(p[5 + i]) << (8 * i);
  if (length < 9) return Fail("a frame length below its header");
  if (length > kMaxFrameBytes) return Fail("a frame longer than any flbhost sends");
  *type = static_cast<FrameType>(p[4]);
  *op = id;
  start_ += kFrameHeaderBytes;
  left_ = length - 9;
  return true;
}

bool FrameReader::U8(uint8_t* value) { return Take(value, 1); }

bool FrameReader::U32(uint32_t* value) {
  uint8_t b[4];
  if (!Take(b, 4)) return false;
  *value = 0;
  for (int i = 0; i < 4; i++) *value |= static_cast<uint32_t>(b[i]) << (8 * i);
  return true;
}

bool FrameReader::I32(int32_t* value) {
  uint32_t raw;
  if (!U32(&raw)) return false;
  *value = static_cast<int32_t>(raw);
  return true;
}

bool FrameReader::U64(uint64_t* value) {
  uint8_t b[8];
  if (!Take(b, 8)) return false;
  *value = 0;
  for (int i = 0; i < 8; i++) *value |= static_cast<uint64_t>(b[i]) << (8 * i);
  return true;
}

bool FrameReader::String(std::string* value) {
  uint32_t length;
  if (!U32(&length)) return false;
  if (length > left_) return Fail("a string runs past the end of its frame");
  value->resize(length);
  return length == 0 || Take(&(*value)[0], length);
}

bool FrameReader::Rest(std::unique_ptr<uint8_t[]>* data, size_t* length) {
  size_t total = static_cast<size_t>(left_);
  std::unique_ptr<uint8_t[]> out(new uint8_t[total > 0 ? total : 1]);
  size_t have = std::min(total, end_ - start_);
  memcpy(out.get(), buffer_.data() + start_, have);
  start_ += have;
  size_t at = have;
  while (at < total) {
    ssize_t got = read(fd_, out.get() + at, total - at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Fail("the stream ended inside a frame");
    at += static_cast<size_t>(got);
  }
  left_ = 0;
  *data = std::move(out);
  *length = total;
  return true;
}

bool FrameReader::Skip() {
  while (left_ > 0) {
    if (start_ == end_ && !Fill(1)) return Fail("the stream ended inside a frame");
    size_t step = std::min<uint64_t>(left_, end_ - start_);
    start_ += step;
    left_ -= step;
  }
  return true;
}

}  // namespace flbhost
