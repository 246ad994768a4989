// A growable byte buffer that MessagePack values are written into, with the
// smallest encoding for every integer and header (as msgpack-c and
// @msgpack/msgpack write them). Node-free: used on libuv pool threads.
#ifndef FLBHOST_MSGPACK_BUFFER_H
#define FLBHOST_MSGPACK_BUFFER_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flbhost {

class MsgpackBuffer {
 public:
  MsgpackBuffer() = default;
  explicit MsgpackBuffer(size_t capacity) { Reserve(capacity); }
  ~MsgpackBuffer();
  MsgpackBuffer(MsgpackBuffer&& other) noexcept;
  MsgpackBuffer& operator=(MsgpackBuffer&& other) noexcept;
  MsgpackBuffer(const MsgpackBuffer&) = delete;
  MsgpackBuffer& operator=(const MsgpackBuffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void Truncate(size_t size) { size_ = size; }

  // Hands the malloc'd bytes to the caller (who free()s them); the buffer is empty after.
  uint8_t* Release();

  // Room for `more` bytes past size(); returns where they start.
  uint8_t* Grow(size_t more) {
    if (size_ + more > capacity_) Reserve(size_ + more);
    uint8_t* at = data_ + size_;
    size_ += more;
    return at;
  }
  void Byte(uint8_t byte) { *Grow(1) = byte; }
  void Bytes(const void* bytes, size_t length) {
    if (length > 0) std::memcpy(Grow(length), bytes, length);
  }

  void Unsigned(uint64_t value);
  void Signed(int64_t value);  // negative values; non-negative ones go to Unsigned
  void Double(double value);   // always float64, as Fluent Bit's packer writes doubles
  // Fluent Bit's EventTime: ext type 0, 8 bytes (BE seconds, BE nanoseconds).
  void EventTime(uint32_t seconds, uint32_t nanoseconds);

  // A str header for `length` bytes (fixstr, str8, str16 or str32).
  void StringHeader(size_t length);
  static size_t StringHeaderSize(size_t length) { return length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5; }

  // Containers whose count is known only at their end: Open reserves one
  // byte (fix header) and returns its offset; Close writes the header,
  // moving the content up by 2 or 4 bytes only when more than 15 entries.
  size_t OpenContainer() {
    Byte(0);
    return size_ - 1;
  }
  void CloseMap(size_t at, uint32_t count) { CloseContainer(at, count, 0x80, 0xde); }
  void CloseArray(size_t at, uint32_t count) { CloseContainer(at, count, 0x90, 0xdc); }

  // The map whose header is at `at` lost one entry: its count goes down by
  // one, in the smallest header again (map16 of 16 becomes fixmap of 15).
  void DecrementMapCount(size_t at);

  // Inserts `length` bytes at `at` (the rest moves up).
  void Insert(size_t at, const uint8_t* bytes, size_t length);
  // Removes `length` bytes at `at`.
  void Erase(size_t at, size_t length);

 private:
  void Reserve(size_t capacity);
  // fix: 0x80 (map) or 0x90 (array); wide16: 0xde / 0xdc (wide32 = wide16 + 1).
  void CloseContainer(size_t at, uint32_t count, uint8_t fix, uint8_t wide16);

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

inline void StoreBE16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void StoreBE32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
inline void StoreBE64(uint8_t* p, uint64_t v) {
  StoreBE32(p, uint32_t(v >> 32));
  StoreBE32(p + 4, uint32_t(v));
}

}  // namespace flbhost

#endif
