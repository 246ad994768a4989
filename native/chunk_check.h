// Validating and normalising input chunks on the input thread.
#ifndef FLBHOST_CHUNK_CHECK_H
#define FLBHOST_CHUNK_CHECK_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flbhost {

// What an input chunk turned out to be.
struct ChunkCheck {
  size_t events = 0;       // valid events kept
  size_t valid_bytes = 0;  // length of the valid prefix (before any rewrite)
  bool has_v1 = false;
  bool has_v2 = false;
  // Set when something was malformed: the index of the first bad event,
  // the byte offset where it failed, and why. The events before it are kept.
  bool failed = false;
  size_t failed_event = 0;
  size_t failed_offset = 0;
  std::string failure;
  // Timestamps that were not fixext8 EventTime (integer or float seconds,
  // ext8 EventTime): where they are, and the EventTime they mean.
  struct Rewrite {
    size_t start, end;
    uint32_t seconds, nanoseconds;
  };
  std::vector<Rewrite> rewrites;
};

// Walks `data` as Fluent Bit events with the `lenient` policy of the event
// walker (src/events/event-walker.ts), with the same failure messages and
// offsets: each event [ts, map] or [[ts, map], map]; ts an EventTime (ext 0,
// 8 bytes), or non-negative integer (any encoding) or float seconds; group
// markers and nanoseconds over 999999999 refused; anywhere inside, ext 0
// must be 8 bytes and map keys must not be maps, arrays or extensions;
// containers at depth 100 refused (the record is at 1). Never reads past
// `length`. Runs on the input thread, so JS never walks input data.
// test/unit/chunk-corpus.test.ts checks it against the TypeScript walker.
ChunkCheck CheckInputChunk(const uint8_t* data, size_t length);

// The valid prefix with every rewrite applied (timestamps as fixext8).
std::vector<uint8_t> ApplyRewrites(const uint8_t* data, const ChunkCheck& check);

}  // namespace flbhost

#endif
