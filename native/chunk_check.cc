#include "chunk_check.h"

#include <cmath>
#include <cstring>
#include <string>

namespace flbhost {

namespace {

constexpr int kMaxDepth = 100;
constexpr uint32_t kMaxSeconds = 0xfffffffd;  // 0xfffffffe/f mark groups

struct Malformed {
  size_t offset;
  std::string message;
};

// The failure messages of src/events/event-walker.ts and msgpack-walk.ts,
// word for word: the corpus test (test/unit/chunk-corpus.test.ts) compares
// what this check reports with what the TypeScript walker reports.
const char kTruncated[] = "MessagePack value is truncated";
const std::string kMaxSecondsText = std::to_string(0xfffffffdu);

// A bounds-checked cursor. Every failure throws Malformed, caught by the
// event loop below, so plugin data can never take the walk out of bounds.
class Walker {
 public:
  Walker(const uint8_t* data, size_t length) : data_(data), length_(length) {}

  uint8_t Byte(size_t at) const {
    if (at >= length_) throw Malformed{at, kTruncated};
    return data_[at];
  }
  uint64_t Uint(size_t at, int bytes) const {
    if (at + bytes > length_) throw Malformed{at, kTruncated};
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++) value = (value << 8) | data_[at + i];
    return value;
  }
  size_t End(size_t at, uint64_t size, size_t start) const {
    if (size > length_ || at + size > length_) throw Malformed{start, kTruncated};
    return at + size;
  }

  // Kind of the value at `at` for container checks: 'm'ap, 'a'rray, 'e'xt, other.
  char Kind(size_t at, uint64_t* count, size_t* next, int* ext_type) const {
    uint8_t b = Byte(at);
    if (b >= 0x80 && b <= 0x8f) { *count = b & 0x0f; *next = at + 1; return 'm'; }
    if (b >= 0x90 && b <= 0x9f) { *count = b & 0x0f; *next = at + 1; return 'a'; }
    switch (b) {
      case 0xdc: *count = Uint(at + 1, 2); *next = at + 3; return 'a';
      case 0xdd: *count = Uint(at + 1, 4); *next = at + 5; return 'a';
      case 0xde: *count = Uint(at + 1, 2); *next = at + 3; return 'm';
      case 0xdf: *count = Uint(at + 1, 4); *next = at + 5; return 'm';
      case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: {
        static const uint64_t sizes[] = {1, 2, 4, 8, 16};
        *count = sizes[b - 0xd4];
        *ext_type = static_cast<int8_t>(Byte(at + 1));
        *next = at + 2;
        return 'e';
      }
      case 0xc7: *count = Uint(at + 1, 1); *ext_type = static_cast<int8_t>(Byte(at + 2)); *next = at + 3; return 'e';
      case 0xc8: *count = Uint(at + 1, 2); *ext_type = static_cast<int8_t>(Byte(at + 3)); *next = at + 4; return 'e';
      case 0xc9: *count = Uint(at + 1, 4); *ext_type = static_cast<int8_t>(Byte(at + 5)); *next = at + 6; return 'e';
      default: return 'o';
    }
  }

  // A short name for the value at `at`, as describeAt() in msgpack-walk.ts:
  // only its header is read; "truncated data" when even that is cut off.
  std::string Describe(size_t at) const {
    try {
      uint8_t b = Byte(at);
      if (b == 0xc1) return "byte 0xc1";
      if (b <= 0x7f || b >= 0xe0) return "int";
      if (b >= 0xa0 && b <= 0xbf) return "str";
      uint64_t count = 0;
      size_t next = 0;
      int ext_type = 0;
      switch (Kind(at, &count, &next, &ext_type)) {
        case 'm': return "map of " + std::to_string(count);
        case 'a': return "array of " + std::to_string(count);
        case 'e': return "ext type " + std::to_string(ext_type) + " (" + std::to_string(count) + " bytes)";
        default: break;
      }
      switch (b) {
        case 0xc0: return "nil";
        case 0xc2: case 0xc3: return "bool";
        case 0xc4: Uint(at + 1, 1); return "bin";
        case 0xc5: Uint(at + 1, 2); return "bin";
        case 0xc6: Uint(at + 1, 4); return "bin";
        case 0xca: case 0xcb: return "float";
        case 0xd9: Uint(at + 1, 1); return "str";
        case 0xda: Uint(at + 1, 2); return "str";
        case 0xdb: Uint(at + 1, 4); return "str";
        default: return "int";  // 0xcc-0xd3
      }
    } catch (const Malformed&) {
      return "truncated data";
    }
  }

  // Steps over one complete value; returns the offset after it.
  size_t Skip(size_t at, int depth) const {
    uint8_t b = Byte(at);
    if (b <= 0x7f || b >= 0xe0) return at + 1;
    if (b >= 0xa0 && b <= 0xbf) return End(at + 1, b & 0x1f, at);
    uint64_t count = 0;
    size_t next = 0;
    int ext_type = 0;
    switch (Kind(at, &count, &next, &ext_type)) {
      case 'a': {
        if (depth >= kMaxDepth) throw Malformed{at, "nesting deeper than 100"};
        if (count > length_ - next) throw Malformed{at, kTruncated};
        for (uint64_t i = 0; i < count; i++) next = Skip(next, depth + 1);
        return next;
      }
      case 'm': {
        if (depth >= kMaxDepth) throw Malformed{at, "nesting deeper than 100"};
        if (count * 2 > length_ - next) throw Malformed{at, kTruncated};
        for (uint64_t i = 0; i < count; i++) {
          uint64_t c;
          size_t n;
          int t;
          char key = Kind(next, &c, &n, &t);
          if (key == 'm' || key == 'a' || key == 'e') {
            throw Malformed{next, "a map key must be a string, number, boolean or nil; got " + Describe(next)};
          }
          next = Skip(next, depth + 1);
          next = Skip(next, depth + 1);
        }
        return next;
      }
      case 'e':
        if (ext_type == 0 && count != 8) {
          throw Malformed{at, "ext type 0 is Fluent Bit's EventTime and must be 8 bytes; this one is " + std::to_string(count)};
        }
        return End(next, count, at);
      default:
        break;
    }
    switch (b) {
      case 0xc0: case 0xc2: case 0xc3: return at + 1;
      case 0xc1: throw Malformed{at, "byte 0xc1 is never used in MessagePack"};
      case 0xc4: return End(at + 2, Uint(at + 1, 1), at);
      case 0xc5: return End(at + 3, Uint(at + 1, 2), at);
      case 0xc6: return End(at + 5, Uint(at + 1, 4), at);
      case 0xca: return End(at + 1, 4, at);
      case 0xcb: return End(at + 1, 8, at);
      case 0xcc: case 0xd0: return End(at + 1, 1, at);
      case 0xcd: case 0xd1: return End(at + 1, 2, at);
      case 0xce: case 0xd2: return End(at + 1, 4, at);
      case 0xcf: case 0xd3: return End(at + 1, 8, at);
      case 0xd9: return End(at + 2, Uint(at + 1, 1), at);
      case 0xda: return End(at + 3, Uint(at + 1, 2), at);
      case 0xdb: return End(at + 5, Uint(at + 1, 4), at);
      default: throw Malformed{at, "unknown MessagePack type"};
    }
  }

  // A timestamp, by the lenient rules of readTimestamp() in event-walker.ts:
  // fixext8 EventTime is left alone; ext8 EventTime, integer and float
  // seconds are recorded as rewrites. Truncation is reported at the
  // timestamp's first byte, as there.
  size_t Timestamp(size_t at, ChunkCheck* check) const {
    uint8_t b = Byte(at);
    uint64_t count = 0;
    size_t next = 0;
    int ext_type = -2;
    if (b == 0xd7 || b == 0xc7) {
      char kind = Kind(at, &count, &next, &ext_type);
      if (kind == 'e' && ext_type == 0 && count == 8) {
        size_t end = End(next, 8, at);
        uint32_t seconds = static_cast<uint32_t>(Uint(next, 4));
        if (seconds > kMaxSeconds) {
          throw Malformed{at, "group marker events (EventTime seconds 0xFFFFFFFE/0xFFFFFFFF) are not passed to plugins"};
        }
        uint32_t nanoseconds = static_cast<uint32_t>(Uint(next + 4, 4));
        if (nanoseconds > 999999999) {
          throw Malformed{at, "EventTime nanoseconds " + std::to_string(nanoseconds) + " are over 999999999"};
        }
        if (b != 0xd7) check->rewrites.push_back({at, end, seconds, nanoseconds});
        return end;
      }
    }
    bool is_int = b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3);
    if (is_int) {
      size_t end = Skip(at, 0);
      bool negative = false;
      uint64_t magnitude = 0;  // the value, or its absolute value when negative
      int64_t s = 0;
      if (b <= 0x7f) magnitude = b;
      else if (b >= 0xe0) s = static_cast<int8_t>(b), negative = true;
      else if (b >= 0xcc && b <= 0xcf) magnitude = Uint(at + 1, 1 << (b - 0xcc));
      else {
        int bytes = 1 << (b - 0xd0);
        uint64_t raw = Uint(at + 1, bytes);
        // Sign-extend the big-endian two's complement value.
        int shift = 64 - 8 * bytes;
        s = static_cast<int64_t>(raw << shift) >> shift;
        negative = s < 0;
        if (!negative) magnitude = static_cast<uint64_t>(s);
      }
      if (negative || magnitude > kMaxSeconds) {
        std::string text = negative ? std::to_string(s) : std::to_string(magnitude);
        throw Malformed{at, "the timestamp " + text + " is not a time flbhost can carry (0 to " + kMaxSecondsText + " seconds)"};
      }
      check->rewrites.push_back({at, end, static_cast<uint32_t>(magnitude), 0});
      return end;
    }
    if (b == 0xca || b == 0xcb) {
      size_t end = Skip(at, 0);
      double value;
      if (b == 0xcb) {
        uint64_t bits = Uint(at + 1, 8);
        std::memcpy(&value, &bits, 8);
      } else {
        uint32_t bits = static_cast<uint32_t>(Uint(at + 1, 4));
        float f;
        std::memcpy(&f, &bits, 4);
        value = f;
      }
      if (!(value >= 0 && value <= kMaxSeconds)) {
        throw Malformed{at, "the float timestamp is not a time flbhost can carry (0 to " + kMaxSecondsText + " seconds)"};
      }
      double seconds = std::floor(value);
      double nanos = std::round((value - seconds) * 1e9);
      if (nanos > 999999999) nanos = 999999999;
      check->rewrites.push_back({at, end, static_cast<uint32_t>(seconds), static_cast<uint32_t>(nanos)});
      return end;
    }
    throw Malformed{at, "the timestamp must be an EventTime (ext type 0, 8 bytes), integer or float seconds; got " + Describe(at)};
  }

  // One event; returns the offset after it.
  size_t Event(size_t at, ChunkCheck* check) const {
    uint64_t count = 0;
    size_t next = 0;
    int ext_type = 0;
    if (Kind(at, &count, &next, &ext_type) != 'a' || count != 2) {
      throw Malformed{at, "an event must be a 2-element array; got " + Describe(at)};
    }
    size_t header = next;
    if (Kind(header, &count, &next, &ext_type) == 'a') {
      if (count != 2) throw Malformed{header, "a v2 event header must be [timestamp, metadata]; got " + Describe(header)};
      size_t meta = Timestamp(next, check);
      if (Kind(meta, &count, &next, &ext_type) != 'm') throw Malformed{meta, "event metadata must be a map; got " + Describe(meta)};
      next = Skip(meta, 1);
      check->has_v2 = true;
    } else {
      next = Timestamp(header, check);
      check->has_v1 = true;
    }
    if (Kind(next, &count, &header, &ext_type) != 'm') throw Malformed{next, "the record must be a map; got " + Describe(next)};
    return Skip(next, 1);
  }

 private:
  const uint8_t* data_;
  size_t length_;
};

}  // namespace

ChunkCheck CheckInputChunk(const uint8_t* data, size_t length) {
  ChunkCheck check;
  Walker walker(data, length);
  size_t offset = 0;
  while (offset < length) {
    size_t rewrites_before = check.rewrites.size();
    bool had_v1 = check.has_v1, had_v2 = check.has_v2;
    try {
      offset = walker.Event(offset, &check);
      check.events++;
    } catch (const Malformed& m) {
      check.failed = true;
      check.failed_event = check.events;
      check.failed_offset = m.offset;
      check.failure = m.message;
      check.rewrites.resize(rewrites_before);  // none from the event that failed
      check.has_v1 = had_v1;
      check.has_v2 = had_v2;
      break;
    }
  }
  check.valid_bytes = offset;
  return check;
}

std::vector<uint8_t> ApplyRewrites(const uint8_t* data, const ChunkCheck& check) {
  size_t size = check.valid_bytes;
  for (const auto& r : check.rewrites) size = size + 10 - (r.end - r.start);
  std::vector<uint8_t> out(size);
  size_t from = 0, to = 0;
  for (const auto& r : check.rewrites) {
    std::memcpy(&out[to], data + from, r.start - from);
    to += r.start - from;
    uint8_t* t = &out[to];
    t[0] = 0xd7;
    t[1] = 0x00;
    for (int i = 0; i < 4; i++) t[2 + i] = static_cast<uint8_t>(r.seconds >> (24 - 8 * i));
    for (int i = 0; i < 4; i++) t[6 + i] = static_cast<uint8_t>(r.nanoseconds >> (24 - 8 * i));
    to += 10;
    from = r.end;
  }
  std::memcpy(&out[to], data + from, check.valid_bytes - from);
  return out;
}

}  // namespace flbhost
