// See json_lines.h.
//
// The parser is json_value.cc, written here rather than taken from a
// library. Measured on this machine (2 cores, under load) with
// bench/json-parsers/compare.cc: 200k log lines of ~246 bytes, one parse
// per line, MessagePack out, best of 5, four runs:
//   hand-written recursive descent straight to MessagePack  545-633 MB/s
//   simdjson 3.9.4 (npm @nozbe/simdjson) DOM + a walk        405-617 MB/s
//   RapidJSON 1.1.0 (Debian) SAX handler                     187-359 MB/s
// simdjson is no faster on lines this short, and it refuses what Fluent
// Bit accepts (1e400, integers past uint64, lone surrogates, invalid
// UTF-8): keeping Fluent Bit's rules would need this parser as well, for
// the lines it refuses. RapidJSON refuses 1e400 and lone surrogates and is
// slower; yyjson is in no registry the build reaches. docs/json.md.
#include "json_lines.h"

#include <cstring>
#include <string>

#include "json_event_time.h"
#include "json_number.h"

namespace flbhost {

namespace {

constexpr char kNotAnEvent[] = "expected a JSON object, [time, record] or [[time, metadata], record]";
constexpr char kRecordNotObject[] = "the record of [time, record] must be a JSON object";
constexpr char kMetadataNotObject[] = "the metadata of [[time, metadata], record] must be a JSON object";
constexpr char kTimeNotNumber[] = "the time of [time, record] must be a number of epoch seconds";
constexpr char kNotAnObject[] = "expected a JSON object";

bool IsLineBlank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string TimeOutOfRange(const uint8_t* begin, const uint8_t* end) {
  return "the time " + std::string(reinterpret_cast<const char*>(begin), size_t(end - begin)) +
         " is not between 0 and " + std::to_string(kMaxEventSeconds) + " epoch seconds";
}

// "invalid JSON: <reason> at column N", naming the depth limit when that was the reason.
std::string InvalidJson(const JsonError& error, int max_depth) {
  std::string reason = error.message == kJsonTooDeep ? "nested deeper than " + std::to_string(max_depth) + " levels" : error.message;
  return "invalid JSON: " + reason + " at column " + std::to_string(error.offset + 1);
}

bool IsNumberStart(const uint8_t* p, const uint8_t* end) { return p < end && (*p == '-' || (*p >= '0' && *p <= '9')); }

// Events written into the current chunk, then closed into the result.
class ChunkBuilder {
 public:
  ChunkBuilder(JsonLinesResult& result, const JsonLinesOptions& options) : result_(result), options_(options) {
    if (!options.time_key.empty()) {
      time_key_.StringHeader(options.time_key.size());
      time_key_.Bytes(options.time_key.data(), options.time_key.size());
    }
  }

  // One trimmed, non-empty line. Returns "" or why it is not an event.
  std::string Line(const uint8_t* p, const uint8_t* end);
  void Finish() {
    if (chunk_.events > 0) Close();
  }

 private:
  std::string Event(const uint8_t* p, const uint8_t* end, bool* shape_mismatch);
  std::string Classify(const uint8_t* p, const uint8_t* end);
  std::string SyntaxProblem(const uint8_t* line, const uint8_t* end);
  void TakeTime(size_t event_start, size_t record_at, const JsonMemberWatch& watch);
  void Header(bool v2_layout, const EventTimeValue& time);
  void ToV2();
  void Close();

  JsonLinesResult& result_;
  const JsonLinesOptions& options_;
  JsonEventChunk chunk_;
  std::vector<size_t> starts_;  // offset of each event of the chunk (for a switch to v2)
  MsgpackBuffer scratch_;
  MsgpackBuffer time_key_;  // options_.time_key as a MessagePack str; empty: no time key
};

void ChunkBuilder::Header(bool v2_layout, const EventTimeValue& time) {
  MsgpackBuffer& out = chunk_.data;
  out.Byte(0x92);
  if (v2_layout) out.Byte(0x92);
  out.EventTime(time.seconds, time.nanoseconds);
}

// Rewrites the chunk's events as v2, each with empty metadata.
void ChunkBuilder::ToV2() {
  MsgpackBuffer& old = chunk_.data;
  MsgpackBuffer grown(old.size() + starts_.size() * 2 + 64);
  for (size_t i = 0; i < starts_.size(); i++) {
    size_t start = starts_[i];
    size_t next = i + 1 < starts_.size() ? starts_[i + 1] : old.size();
    starts_[i] = grown.size();
    grown.Byte(0x92);
    grown.Byte(0x92);
    grown.Bytes(old.data() + start + 1, 10);  // the EventTime (always fixext8 here)
    grown.Byte(0x80);
    grown.Bytes(old.data() + start + 11, next - start - 11);
  }
  chunk_.data = std::move(grown);
  chunk_.v2 = true;
}

void ChunkBuilder::Close() {
  result_.chunks.push_back(std::move(chunk_));
  chunk_ = JsonEventChunk();
  starts_.clear();
}

std::string ChunkBuilder::Line(const uint8_t* p, const uint8_t* end) {
  if (options_.objects_only && *p != '{') {
    std::string problem = SyntaxProblem(p, end);
    return problem.empty() ? kNotAnObject : problem;
  }
  size_t start = chunk_.data.size();
  bool shape_mismatch = false;
  std::string problem = Event(p, end, &shape_mismatch);
  if (!problem.empty() || shape_mismatch) {
    chunk_.data.Truncate(start);
    return shape_mismatch ? Classify(p, end) : problem;
  }
  starts_.push_back(start);
  chunk_.events++;
  if (chunk_.data.size() >= options_.max_chunk_bytes) Close();
  return "";
}

// The event of one line, written at the end of the chunk. A line of
// another shape sets *shape_mismatch and Classify() says why.
std::string ChunkBuilder::Event(const uint8_t* line, const uint8_t* end, bool* shape_mismatch) {
  MsgpackBuffer& out = chunk_.data;
  JsonValueParser parser(out, options_.max_depth);
  parser.set_origin(line);
  auto syntax = [&](const uint8_t* at) {
    if (parser.error().message != nullptr) return InvalidJson(parser.error(), options_.max_depth);
    return "invalid JSON: unexpected data after the JSON value at column " + std::to_string(at - line + 1);
  };
  const uint8_t* p = line;
  if (*p == '{') {
    size_t event_start = out.size();
    Header(chunk_.v2, EventTimeNow());
    if (chunk_.v2) out.Byte(0x80);
    size_t record_at = out.size();
    JsonMemberWatch watch;
    if (time_key_.size() > 0) {
      watch.key = time_key_.data();
      watch.key_size = time_key_.size();
      parser.set_watch(&watch);
    }
    p = parser.Value(p, end, 0);
    if (p == nullptr) return syntax(p);
    p = SkipJsonBlanks(p, end);
    if (p != end) return syntax(p);
    if (watch.found) TakeTime(event_start, record_at, watch);
    return "";
  }
  // Invalid JSON inside the metadata or record (or nested too deep): the line is not JSON at all.
  auto invalid = [&]() {
    *shape_mismatch = false;
    return syntax(nullptr);
  };
  *shape_mismatch = true;  // until the array form is confirmed
  if (*p != '[') return "";
  p = SkipJsonBlanks(p + 1, end);
  bool with_metadata = p < end && *p == '[';
  if (with_metadata) p = SkipJsonBlanks(p + 1, end);
  if (!IsNumberStart(p, end)) return "";
  JsonNumberLiteral literal = ScanJsonNumber(p, end);
  if (literal.end == nullptr) return "";
  EventTimeValue time;
  if (!EventTimeFromLiteral(p, literal.end, &time)) return "";
  p = SkipJsonBlanks(literal.end, end);
  if (p >= end || *p != ',') return "";
  p = SkipJsonBlanks(p + 1, end);
  size_t event_start = out.size();
  size_t metadata_at = 0;
  if (with_metadata) {
    if (p >= end || *p != '{') return "";
    Header(true, time);
    metadata_at = out.size();
    p = parser.Value(p, end, 0);
    if (p == nullptr) return invalid();
    p = SkipJsonBlanks(p, end);
    if (p >= end || *p != ']') return "";
    p = SkipJsonBlanks(p + 1, end);
    if (p >= end || *p != ',') return "";
    p = SkipJsonBlanks(p + 1, end);
  } else {
    Header(chunk_.v2, time);
    if (chunk_.v2) out.Byte(0x80);
  }
  if (p >= end || *p != '{') return "";
  p = parser.Value(p, end, 0);
  if (p == nullptr) return invalid();
  p = SkipJsonBlanks(p, end);
  if (p >= end || *p != ']') return "";
  p = SkipJsonBlanks(p + 1, end);
  if (p != end) return "";
  *shape_mismatch = false;
  if (with_metadata) {
    bool empty = out.data()[metadata_at] == 0x80;
    if (!chunk_.v2 && empty) {
      out.Erase(metadata_at, 1);       // v1: no metadata
      out.Erase(event_start + 1, 1);   // and one array level less
    } else if (!chunk_.v2) {
      // The first event with metadata: the chunk's earlier events become v2.
      MsgpackBuffer event;
      event.Bytes(out.data() + event_start, out.size() - event_start);
      out.Truncate(event_start);
      ToV2();
      chunk_.data.Bytes(event.data(), event.size());
    }
  }
  return "";
}

// The time key's member (found by the parser): when its value is a time,
// it becomes the event's time and leaves the record. The event was written
// with the time now, before its record was parsed; that is overwritten.
void ChunkBuilder::TakeTime(size_t event_start, size_t record_at, const JsonMemberWatch& watch) {
  const uint8_t* value = watch.value_begin;
  const uint8_t* value_end = watch.value_end;
  EventTimeValue time;
  bool taken = IsNumberStart(value, value_end) ? EventTimeFromMillisLiteral(value, value_end, &time)
                                               : *value == '"' && EventTimeFromRfc3339(value + 1, value_end - 1, &time);
  if (!taken) return;
  MsgpackBuffer& out = chunk_.data;
  out.Erase(watch.out_begin, watch.out_end - watch.out_begin);
  out.DecrementMapCount(record_at);  // after the Erase: it may move what follows the header
  // The EventTime is fixext8 (d7 00, then BE seconds and nanoseconds), after one array header (two for v2).
  uint8_t* at = out.data() + event_start + (chunk_.v2 ? 2 : 1) + 2;
  StoreBE32(at, time.seconds);
  StoreBE32(at + 4, time.nanoseconds);
}

// "" when [line, end) is one JSON value, or why it is not.
std::string ChunkBuilder::SyntaxProblem(const uint8_t* line, const uint8_t* end) {
  scratch_.Truncate(0);
  JsonValueParser parser(scratch_, options_.max_depth);
  parser.set_origin(line);
  const uint8_t* after = parser.Value(line, end, 0);
  if (after == nullptr) return InvalidJson(parser.error(), options_.max_depth);
  after = SkipJsonBlanks(after, end);
  if (after != end) return "invalid JSON: unexpected data after the JSON value at column " + std::to_string(after - line + 1);
  return "";
}

// Why a line that was not a record `{...}` is not an event, with the
// messages (and their order) of src/builtin/json-event.ts.
std::string ChunkBuilder::Classify(const uint8_t* line, const uint8_t* end) {
  scratch_.Truncate(0);
  // Two levels more than a record gets: the event's own arrays (a record
  // nested too deep was reported by Event()).
  JsonValueParser parser(scratch_, options_.max_depth + 2);
  parser.set_origin(line);
  const uint8_t* after = parser.Value(line, end, 0);
  if (after == nullptr) return InvalidJson(parser.error(), options_.max_depth);
  after = SkipJsonBlanks(after, end);
  if (after != end) return "invalid JSON: unexpected data after the JSON value at column " + std::to_string(after - line + 1);
  if (*line != '[') return kNotAnEvent;
  // Valid JSON: the elements of the top-level array (and of its first, if an array).
  struct Element {
    const uint8_t* begin;
    const uint8_t* end;
  };
  auto elements = [&](const uint8_t* p) {
    std::vector<Element> list;
    p = SkipJsonBlanks(p + 1, end);
    if (*p == ']') return list;
    for (;;) {
      const uint8_t* next = parser.Value(p, end, 1);
      list.push_back({p, next});
      p = SkipJsonBlanks(next, end);
      if (*p == ']') return list;
      p = SkipJsonBlanks(p + 1, end);  // the ','
    }
  };
  std::vector<Element> top = elements(line);
  if (top.size() != 2) return kNotAnEvent;
  if (*top[1].begin != '{') return kRecordNotObject;
  const Element& header = top[0];
  if (IsNumberStart(header.begin, header.end)) return TimeOutOfRange(header.begin, header.end);
  if (*header.begin == '[') {
    std::vector<Element> inner = elements(header.begin);
    if (inner.size() == 2 && IsNumberStart(inner[0].begin, inner[0].end)) {
      if (*inner[1].begin != '{') return kMetadataNotObject;
      return TimeOutOfRange(inner[0].begin, inner[0].end);
    }
  }
  return kTimeNotNumber;
}

}  // namespace

JsonLinesResult JsonLinesToChunks(const uint8_t* data, size_t length, const JsonLinesOptions& options) {
  JsonLinesResult result;
  ChunkBuilder builder(result, options);
  const uint8_t* end = data + length;
  const uint8_t* p = data;
  while (p < end) {
    const uint8_t* newline = static_cast<const uint8_t*>(std::memchr(p, '\n', size_t(end - p)));
    const uint8_t* line_end = newline != nullptr ? newline : end;
    uint64_t number = options.first_line + result.lines;
    result.lines++;
    if (size_t(line_end - p) > options.max_line_bytes) {
      result.problems.push_back({number, "longer than " + std::to_string(options.max_line_bytes) + " bytes"});
    } else {
      const uint8_t* first = p;
      const uint8_t* last = line_end;
      // A UTF-8 byte order mark before the line (String#trim drops it too).
      if (last - first >= 3 && first[0] == 0xef && first[1] == 0xbb && first[2] == 0xbf) first += 3;
      while (first < last && IsLineBlank(*first)) first++;
      while (last > first && IsLineBlank(last[-1])) last--;
      if (first < last) {
        std::string problem = builder.Line(first, last);
        if (!problem.empty()) result.problems.push_back({number, std::move(problem)});
      }
    }
    p = newline != nullptr ? newline + 1 : end;
  }
  builder.Finish();
  return result;
}

bool JsonToMsgpack(const uint8_t* data, size_t length, int max_depth, MsgpackBuffer* out, std::string* message) {
  const uint8_t* end = data + length;
  const uint8_t* p = SkipJsonBlanks(data, end);
  JsonValueParser parser(*out, max_depth);
  parser.set_origin(data);
  const uint8_t* after = parser.Value(p, end, 0);
  if (after == nullptr) {
    *message = std::string(parser.error().message) + " at offset " + std::to_string(parser.error().offset);
    return false;
  }
  after = SkipJsonBlanks(after, end);
  if (after != end) {
    *message = "unexpected data after the JSON value at offset " + std::to_string(after - data);
    return false;
  }
  return true;
}

}  // namespace flbhost
