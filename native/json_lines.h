// A batch of JSON lines (newline-separated) as chunks of Fluent Bit events,
// the way the stdin input reads them: each line is a record `{...}` (time:
// now), `[time, record]` or `[[time, metadata], record]`. Blank lines are
// skipped; a line that is not an event is reported with its number and why,
// and the batch goes on. Node-free, so it runs on a libuv pool thread.
//
// A chunk is v1 (`[EventTime, record]`) unless one of its events has
// non-empty metadata; then every event of that chunk is v2
// (`[[EventTime, metadata], record]`, `{}` for those without) — what the
// engine's encoder does for a batch of LogEvents.
#ifndef FLBHOST_JSON_LINES_H
#define FLBHOST_JSON_LINES_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "json_value.h"
#include "msgpack_buffer.h"

namespace flbhost {

struct JsonLinesOptions {
  // Number of the batch's first line (the caller counts across batches).
  uint64_t first_line = 1;
  // Longer lines (bytes, before trimming) are reported and skipped.
  size_t max_line_bytes = 16 * 1024 * 1024;
  // A chunk is closed once it reaches this many bytes.
  size_t max_chunk_bytes = 2 * 1024 * 1024;
  int max_depth = kDefaultJsonMaxDepth;
  // Non-empty: in a record line `{...}`, the first top-level member with
  // this key whose value is epoch milliseconds (a JSON number) or an RFC
  // 3339 string is the event's time, and is taken out of the record (pino's
  // `time`). Any other value stays in the record and the event gets now.
  // Only the first member with the key is looked at; duplicates stay.
  std::string time_key;
  // Only `{...}` lines are events; `[time, record]` lines are problems too
  // ("expected a JSON object"): pino never writes them.
  bool objects_only = false;
};

struct JsonLineProblem {
  uint64_t line;
  std::string message;
};

struct JsonEventChunk {
  MsgpackBuffer data;
  uint32_t events = 0;
  bool v2 = false;
};

struct JsonLinesResult {
  std::vector<JsonEventChunk> chunks;
  std::vector<JsonLineProblem> problems;
  // Lines seen: every newline, plus a last line without one.
  uint64_t lines = 0;
};

JsonLinesResult JsonLinesToChunks(const uint8_t* data, size_t length, const JsonLinesOptions& options);

// One JSON value (with blanks around it) as MessagePack; for `dummy`'s
// record. False with *message set when it is not valid JSON.
bool JsonToMsgpack(const uint8_t* data, size_t length, int max_depth, MsgpackBuffer* out, std::string* message);

}  // namespace flbhost

#endif
