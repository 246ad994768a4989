// Reading frames (frame_protocol.h) from the parent: a buffered reader that
// parses the small fields out of its buffer and reads a frame's large rest
// (a flush's chunk) straight into memory the flush will own.
#ifndef FLBHOST_FRAME_READER_H
#define FLBHOST_FRAME_READER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frame_protocol.h"

namespace flbhost {

class FrameReader {
 public:
  explicit FrameReader(int fd);

  // Reads the next header. False at end of stream or on a broken one
  // (`error()` says which; empty at a clean end of stream).
  bool Next(FrameType* type, uint64_t* op);
  // Payload bytes of the current frame not read yet.
  uint64_t left() const { return left_; }

  // Fields of the current frame; false (and error()) when it is too short.
  bool U8(uint8_t* value);
  bool I32(int32_t* value);
  bool U32(uint32_t* value);
  bool U64(uint64_t* value);
  bool String(std::string* value);
  // The rest of the frame, in memory the caller owns.
  bool Rest(std::unique_ptr<uint8_t[]>* data, size_t* length);
  // Skips what is left of the current frame.
  bool Skip();

  const std::string& error() const { return error_; }

 private:
  bool Fill(size_t wanted);  // at least `wanted` bytes buffered
  bool Take(void* out, size_t length);
  bool Fail(const std::string& message);

  const int fd_;
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;  // first unread byte in buffer_
  size_t end_ = 0;    // one past the last buffered byte
  uint64_t left_ = 0;
  std::string error_;
};

}  // namespace flbhost

#endif
