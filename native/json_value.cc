// See json_value.h.
#include "json_value.h"

#include <cstring>

#include "json_number.h"

namespace flbhost {

namespace {

int HexDigit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at p, or -1.
long Hex4(const uint8_t* p, const uint8_t* end) {
  if (end - p < 4) return -1;
  long value = 0;
  for (int i = 0; i < 4; i++) {
    int digit = HexDigit(p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

size_t Utf8Encode(uint32_t code, uint8_t* out) {
  if (code < 0x80) {
    out[0] = uint8_t(code);
    return 1;
  }
  if (code < 0x800) {
    out[0] = uint8_t(0xc0 | (code >> 6));
    out[1] = uint8_t(0x80 | (code & 0x3f));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = uint8_t(0xe0 | (code >> 12));
    out[1] = uint8_t(0x80 | ((code >> 6) & 0x3f));
    out[2] = uint8_t(0x80 | (code & 0x3f));
    return 3;
  }
  out[0] = uint8_t(0xf0 | (code >> 18));
  out[1] = uint8_t(0x80 | ((code >> 12) & 0x3f));
  out[2] = uint8_t(0x80 | ((code >> 6) & 0x3f));
  out[3] = uint8_t(0x80 | (code & 0x3f));
  return 4;
}

constexpr uint32_t kReplacement = 0xfffd;

}  // namespace

const char kJsonTooDeep[] = "nested too deep";

const uint8_t* JsonValueParser::Fail(const uint8_t* at, const char* message) {
  if (error_.message == nullptr) {
    error_.message = message;
    error_.offset = origin_ != nullptr ? size_t(at - origin_) : 0;
  }
  return nullptr;
}

const uint8_t* JsonValueParser::Value(const uint8_t* p, const uint8_t* end, int depth) {
  if (p >= end) return Fail(p, "unexpected end of JSON");
  switch (*p) {
    case '{':
      return Object(p, end, depth + 1);
    case '[':
      return Array(p, end, depth + 1);
    case '"':
      return String(p, end);
    case 't':
      return Literal(p, end, "true", 4, 0xc3);
    case 'f':
      return Literal(p, end, "false", 5, 0xc2);
    case 'n':
      return Literal(p, end, "null", 4, 0xc0);
    default: {
      if (*p != '-' && !(*p >= '0' && *p <= '9')) return Fail(p, "unexpected character");
      JsonNumberLiteral literal = ScanJsonNumber(p, end);
      if (literal.end == nullptr) return Fail(p, "invalid number");
      WriteJsonNumber(out_, p, literal);
      return literal.end;
    }
  }
}

const uint8_t* JsonValueParser::Literal(const uint8_t* p, const uint8_t* end, const char* word, size_t length, uint8_t byte) {
  if (size_t(end - p) < length || std::memcmp(p, word, length) != 0) return Fail(p, "unexpected character");
  out_.Byte(byte);
  return p + length;
}

const uint8_t* JsonValueParser::Object(const uint8_t* p, const uint8_t* end, int depth) {
  if (depth > max_depth_) return Fail(p, kJsonTooDeep);
  size_t header = out_.OpenContainer();
  uint32_t count = 0;
  p = SkipJsonBlanks(p + 1, end);
  if (p < end && *p == '}') {
    out_.CloseMap(header, 0);
    return p + 1;
  }
  for (;;) {
    if (p >= end) return Fail(p, "unexpected end of JSON in an object");
    if (*p != '"') return Fail(p, "expected a string key");
    size_t key_at = out_.size();
    p = String(p, end);
    if (p == nullptr) return nullptr;
    bool watched = depth == 1 && watch_ != nullptr && !watch_->found && out_.size() - key_at == watch_->key_size &&
                   std::memcmp(out_.data() + key_at, watch_->key, watch_->key_size) == 0;
    p = SkipJsonBlanks(p, end);
    if (p >= end || *p != ':') return Fail(p, "expected ':' after a key");
    p = SkipJsonBlanks(p + 1, end);
    const uint8_t* value_at = p;
    p = Value(p, end, depth);
    if (p == nullptr) return nullptr;
    if (watched) {
      watch_->found = true;
      watch_->out_begin = key_at;
      watch_->out_end = out_.size();
      watch_->value_begin = value_at;
      watch_->value_end = p;
    }
    count++;
    p = SkipJsonBlanks(p, end);
    if (p < end && *p == ',') {
      p = SkipJsonBlanks(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') {
      size_t before = out_.size();
      out_.CloseMap(header, count);
      if (depth == 1 && watch_ != nullptr && watch_->found) {
        // A map16/map32 header moved the members up: the watched one too.
        watch_->out_begin += out_.size() - before;
        watch_->out_end += out_.size() - before;
      }
      return p + 1;
    }
    return Fail(p, "expected ',' or '}' in an object");
  }
}

const uint8_t* JsonValueParser::Array(const uint8_t* p, const uint8_t* end, int depth) {
  if (depth > max_depth_) return Fail(p, kJsonTooDeep);
  size_t header = out_.OpenContainer();
  uint32_t count = 0;
  p = SkipJsonBlanks(p + 1, end);
  if (p < end && *p == ']') {
    out_.CloseArray(header, 0);
    return p + 1;
  }
  for (;;) {
    p = Value(p, end, depth);
    if (p == nullptr) return nullptr;
    count++;
    p = SkipJsonBlanks(p, end);
    if (p < end && *p == ',') {
      p = SkipJsonBlanks(p + 1, end);
      continue;
    }
    if (p < end && *p == ']') {
      out_.CloseArray(header, count);
      return p + 1;
    }
    return Fail(p, "expected ',' or ']' in an array");
  }
}

const uint8_t* JsonValueParser::String(const uint8_t* p, const uint8_t* end) {
  const uint8_t* start = p + 1;
  // Fast path: find the closing quote; without escapes the bytes are copied as they are.
  const uint8_t* q = start;
  while (q < end && *q != '"' && *q != '\\' && *q >= 0x20) q++;
  if (q < end && *q == '"') {
    size_t length = size_t(q - start);
    out_.StringHeader(length);
    out_.Bytes(start, length);
    return q + 1;
  }
  if (q >= end) return Fail(q, "unterminated string");
  if (*q < 0x20) return Fail(q, "control character in a string");
  // Escapes: the decoded string is never longer than the rest of the
  // line, so a header sized for that is written first and shrunk after.
  size_t header_size = MsgpackBuffer::StringHeaderSize(size_t(end - start));
  size_t header_at = out_.size();
  out_.Grow(header_size);
  out_.Bytes(start, size_t(q - start));
  return Escaped(q, end, header_at, header_size);
}

const uint8_t* JsonValueParser::Escaped(const uint8_t* p, const uint8_t* end, size_t header_at, size_t header_size) {
  for (;;) {
    const uint8_t* run = p;
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20) p++;
    out_.Bytes(run, size_t(p - run));
    if (p >= end) return Fail(p, "unterminated string");
    if (*p == '"') break;
    if (*p < 0x20) return Fail(p, "control character in a string");
    // A backslash.
    if (end - p < 2) return Fail(p, "unterminated string");
    uint8_t c = p[1];
    uint8_t simple = 0;
    switch (c) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      case 'u': break;
      default: return Fail(p, "invalid escape in a string");
    }
    if (simple != 0) {
      out_.Byte(simple);
      p += 2;
      continue;
    }
    long unit = Hex4(p + 2, end);
    if (unit < 0) return Fail(p, "invalid \\u escape in a string");
    p += 6;
    uint32_t code = uint32_t(unit);
    if (code >= 0xd800 && code <= 0xdbff) {
      long low = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? Hex4(p + 2, end) : -1;
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (uint32_t(low) - 0xdc00);
        p += 6;
      } else {
        code = kReplacement;  // a high surrogate alone
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      code = kReplacement;  // a low surrogate alone
    }
    uint8_t utf8[4];
    out_.Bytes(utf8, Utf8Encode(code, utf8));
  }
  // Now the real length is known: write the header, shrinking it if it was sized too large.
  size_t length = out_.size() - header_at - header_size;
  size_t needed = MsgpackBuffer::StringHeaderSize(length);
  if (needed < header_size) out_.Erase(header_at, header_size - needed);
  size_t content_end = out_.size();
  out_.Truncate(header_at);
  out_.StringHeader(length);
  out_.Truncate(content_end);
  return p + 1;
}

}  // namespace flbhost
