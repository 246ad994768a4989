// One JSON value (RFC 8259) written straight into MessagePack: a
// recursive-descent parser with no tree in between. Numbers follow
// json_number.h. Strings are byte-exact: escapes are decoded (a \u
// surrogate pair becomes one 4-byte UTF-8 character; a lone surrogate
// becomes U+FFFD), and every other byte is copied as it is, invalid UTF-8
// included, as Fluent Bit 5.1 does (it neither rejects nor replaces it).
// Objects keep every key in order, duplicates too (as Fluent Bit).
//
// Why hand-written: see docs/json.md and the comment in json_lines.cc.
#ifndef FLBHOST_JSON_VALUE_H
#define FLBHOST_JSON_VALUE_H

#include <cstddef>
#include <cstdint>

#include "msgpack_buffer.h"

namespace flbhost {

// Objects and arrays nested deeper than this are refused (the JS encoder's
// limit too): it bounds the parser's recursion on a libuv thread's stack.
constexpr int kDefaultJsonMaxDepth = 100;

// The message of the depth limit's error (compared by address to name the limit).
extern const char kJsonTooDeep[];

struct JsonError {
  const char* message = nullptr;  // nullptr: no error
  size_t offset = 0;              // byte offset in the text where it was found
};

// One member of a top-level object to look for (a record's time key): the
// parser reports where the first member with this key is, and the caller
// decides whether to take it out (json_lines.cc). Only the object at depth 1
// is searched, so the parser stays free of what the member means.
struct JsonMemberWatch {
  // The key as the parser writes it: a MessagePack str (header and bytes),
  // so that a key written with escapes matches too.
  const uint8_t* key = nullptr;
  size_t key_size = 0;
  // Set by the parser for the first member with the key:
  bool found = false;
  size_t out_begin = 0;  // where the member (key, then value) starts in the output
  size_t out_end = 0;    // and ends
  const uint8_t* value_begin = nullptr;  // its value in the text
  const uint8_t* value_end = nullptr;
};

class JsonValueParser {
 public:
  JsonValueParser(MsgpackBuffer& out, int max_depth) : out_(out), max_depth_(max_depth) {}

  // Parses one value at [p, end) (no leading blanks) and writes it to the
  // buffer. Returns the position after it, or nullptr with error() set (the
  // buffer then holds a partial value: the caller truncates it).
  const uint8_t* Value(const uint8_t* p, const uint8_t* end, int depth);

  // Parses the string whose opening quote is at p; returns the position after the closing quote.
  const uint8_t* String(const uint8_t* p, const uint8_t* end);

  const JsonError& error() const { return error_; }
  void set_origin(const uint8_t* origin) { origin_ = origin; }
  // Watch for a member of the top-level object (nullptr: none).
  void set_watch(JsonMemberWatch* watch) { watch_ = watch; }

 private:
  const uint8_t* Object(const uint8_t* p, const uint8_t* end, int depth);
  const uint8_t* Array(const uint8_t* p, const uint8_t* end, int depth);
  const uint8_t* Literal(const uint8_t* p, const uint8_t* end, const char* word, size_t length, uint8_t byte);
  const uint8_t* Escaped(const uint8_t* p, const uint8_t* end, size_t header_at, size_t header_size);
  const uint8_t* Fail(const uint8_t* at, const char* message);

  MsgpackBuffer& out_;
  int max_depth_;
  const uint8_t* origin_ = nullptr;  // start of the text, for error offsets
  JsonMemberWatch* watch_ = nullptr;
  JsonError error_;
};

// JSON's blanks: space, tab, CR, LF.
inline const uint8_t* SkipJsonBlanks(const uint8_t* p, const uint8_t* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

}  // namespace flbhost

#endif
