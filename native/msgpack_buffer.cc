// See msgpack_buffer.h.
#include "msgpack_buffer.h"

#include <cstdlib>
#include <new>
#include <utility>

namespace flbhost {

MsgpackBuffer::~MsgpackBuffer() { std::free(data_); }

MsgpackBuffer::MsgpackBuffer(MsgpackBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

MsgpackBuffer& MsgpackBuffer::operator=(MsgpackBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

uint8_t* MsgpackBuffer::Release() {
  // Shrunk to what was written: the owner of the bytes (a JS Buffer in a
  // queue whose limit counts its length) must not hold a doubled capacity.
  if (data_ != nullptr && size_ > 0 && size_ < capacity_) {
    void* shrunk = std::realloc(data_, size_);
    if (shrunk != nullptr) data_ = static_cast<uint8_t*>(shrunk);
  }
  uint8_t* bytes = data_;
  data_ = nullptr;
  size_ = capacity_ = 0;
  return bytes;
}

void MsgpackBuffer::Reserve(size_t capacity) {
  if (capacity <= capacity_) return;
  size_t grown = capacity_ < 256 ? 256 : capacity_ * 2;
  while (grown < capacity) grown *= 2;
  void* moved = std::realloc(data_, grown);
  if (moved == nullptr) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(moved);
  capacity_ = grown;
}

void MsgpackBuffer::Unsigned(uint64_t v) {
  if (v < 0x80) {
    Byte(uint8_t(v));
  } else if (v < 0x100) {
    uint8_t* p = Grow(2);
    p[0] = 0xcc;
    p[1] = uint8_t(v);
  } else if (v < 0x10000) {
    uint8_t* p = Grow(3);
    p[0] = 0xcd;
    StoreBE16(p + 1, uint16_t(v));
  } else if (v < 0x100000000ull) {
    uint8_t* p = Grow(5);
    p[0] = 0xce;
    StoreBE32(p + 1, uint32_t(v));
  } else {
    uint8_t* p = Grow(9);
    p[0] = 0xcf;
    StoreBE64(p + 1, v);
  }
}

void MsgpackBuffer::Signed(int64_t v) {
  if (v >= 0) {
    Unsigned(uint64_t(v));
  } else if (v >= -32) {
    Byte(uint8_t(int8_t(v)));
  } else if (v >= INT8_MIN) {
    uint8_t* p = Grow(2);
    p[0] = 0xd0;
    p[1] = uint8_t(int8_t(v));
  } else if (v >= INT16_MIN) {
    uint8_t* p = Grow(3);
    p[0] = 0xd1;
    StoreBE16(p + 1, uint16_t(int16_t(v)));
  } else if (v >= INT32_MIN) {
    uint8_t* p = Grow(5);
    p[0] = 0xd2;
    StoreBE32(p + 1, uint32_t(int32_t(v)));
  } else {
    uint8_t* p = Grow(9);
    p[0] = 0xd3;
    StoreBE64(p + 1, uint64_t(v));
  }
}

void MsgpackBuffer::Double(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  uint8_t* p = Grow(9);
  p[0] = 0xcb;
  StoreBE64(p + 1, bits);
}

void MsgpackBuffer::EventTime(uint32_t seconds, uint32_t nanoseconds) {
  uint8_t* p = Grow(10);
  p[0] = 0xd7;
  p[1] = 0x00;
  StoreBE32(p + 2, seconds);
  StoreBE32(p + 6, nanoseconds);
}

void MsgpackBuffer::StringHeader(size_t length) {
  if (length < 32) {
    Byte(uint8_t(0xa0 | length));
  } else if (length < 0x100) {
    uint8_t* p = Grow(2);
    p[0] = 0xd9;
    p[1] = uint8_t(length);
  } else if (length < 0x10000) {
    uint8_t* p = Grow(3);
    p[0] = 0xda;
    StoreBE16(p + 1, uint16_t(length));
  } else {
    uint8_t* p = Grow(5);
    p[0] = 0xdb;
    StoreBE32(p + 1, uint32_t(length));
  }
}

void MsgpackBuffer::Insert(size_t at, const uint8_t* bytes, size_t length) {
  Grow(length);
  std::memmove(data_ + at + length, data_ + at, size_ - length - at);
  std::memcpy(data_ + at, bytes, length);
}

void MsgpackBuffer::Erase(size_t at, size_t length) {
  std::memmove(data_ + at, data_ + at + length, size_ - at - length);
  size_ -= length;
}

void MsgpackBuffer::DecrementMapCount(size_t at) {
  uint8_t* p = data_ + at;
  if (*p >= 0x81 && *p <= 0x8f) {
    (*p)--;
    return;
  }
  if (*p == 0xde) {
    uint32_t count = (uint32_t(p[1]) << 8 | p[2]) - 1;
    if (count < 16) {
      Erase(at + 1, 2);
      data_[at] = uint8_t(0x80 | count);
    } else {
      StoreBE16(p + 1, uint16_t(count));
    }
    return;
  }
  if (*p == 0xdf) {
    uint32_t count = (uint32_t(p[1]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 8 | p[4]) - 1;
    if (count < 0x10000) {
      Erase(at + 1, 2);
      data_[at] = 0xde;
      StoreBE16(data_ + at + 1, uint16_t(count));
    } else {
      StoreBE32(p + 1, count);
    }
  }
}

void MsgpackBuffer::CloseContainer(size_t at, uint32_t count, uint8_t fix, uint8_t wide16) {
  if (count < 16) {
    data_[at] = uint8_t(fix | count);
    return;
  }
  uint8_t extra[4];
  if (count < 0x10000) {
    StoreBE16(extra, uint16_t(count));
    Insert(at + 1, extra, 2);
    data_[at] = wide16;
  } else {
    StoreBE32(extra, count);
    Insert(at + 1, extra, 4);
    data_[at] = uint8_t(wide16 + 1);
  }
}

}  // namespace flbhost
