// Measures JSON log lines -> MessagePack with the candidates for
// native/json_value.cc (see docs/json.md for the figures and the choice).
// Not built by default; build by hand, see README.md beside this file.
//   hand: flbhost's recursive-descent parser (native/json_value.cc)
//   simdjson: DOM parse per line + a walk writing MessagePack
//   rapidjson: a SAX handler writing MessagePack
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "json_value.h"
#include "msgpack_buffer.h"

#ifdef WITH_SIMDJSON
#include "simdjson.h"
#endif
#ifdef WITH_RAPIDJSON
#include "rapidjson/reader.h"
#endif

using flbhost::MsgpackBuffer;

static std::vector<std::string> Corpus(size_t n) {
  std::vector<std::string> lines;
  char buf[512];
  for (size_t i = 0; i < n; i++) {
    snprintf(buf, sizeof buf,
             "{\"level\":30,\"time\":%zu,\"pid\":%zu,\"hostname\":\"host-%zu\",\"msg\":\"request completed in %zu ms\","
             "\"req\":{\"id\":%zu,\"method\":\"GET\",\"url\":\"/api/v1/items/%zu?q=abc\"},\"latency\":%zu.%03zu,"
             "\"ok\":true,\"tags\":[\"a\",\"b\",\"c\"],\"big\":%llu}",
             1700000000000 + i, 1000 + i % 7, i % 16, i % 500, i, i * 31, i % 100, i % 1000,
             18446744073709551615ull - i);
    lines.emplace_back(buf);
  }
  return lines;
}

#ifdef WITH_SIMDJSON
static void Walk(simdjson::dom::element e, MsgpackBuffer& out) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::OBJECT: {
      size_t h = out.OpenContainer();
      uint32_t n = 0;
      simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto field : object) {
        out.StringHeader(field.key.size());
        out.Bytes(field.key.data(), field.key.size());
        Walk(field.value, out);
        n++;
      }
      out.CloseMap(h, n);
      break;
    }
    case T::ARRAY: {
      size_t h = out.OpenContainer();
      uint32_t n = 0;
      simdjson::dom::array array = e.get_array().value_unsafe();
      for (auto v : array) {
        Walk(v, out);
        n++;
      }
      out.CloseArray(h, n);
      break;
    }
    case T::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      out.StringHeader(s.size());
      out.Bytes(s.data(), s.size());
      break;
    }
    case T::INT64: out.Signed(e.get_int64().value_unsafe()); break;
    case T::UINT64: out.Unsigned(e.get_uint64().value_unsafe()); break;
    case T::DOUBLE: out.Double(e.get_double().value_unsafe()); break;
    case T::BOOL: out.Byte(e.get_bool().value_unsafe() ? 0xc3 : 0xc2); break;
    case T::NULL_VALUE: out.Byte(0xc0); break;
    default: break;
  }
}
#endif

#ifdef WITH_RAPIDJSON
struct Sax : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Sax> {
  MsgpackBuffer& out;
  std::vector<size_t> open;
  explicit Sax(MsgpackBuffer& o) : out(o) {}
  bool Null() { out.Byte(0xc0); return true; }
  bool Bool(bool b) { out.Byte(b ? 0xc3 : 0xc2); return true; }
  bool Int(int i) { out.Signed(i); return true; }
  bool Uint(unsigned u) { out.Unsigned(u); return true; }
  bool Int64(int64_t i) { out.Signed(i); return true; }
  bool Uint64(uint64_t u) { out.Unsigned(u); return true; }
  bool Double(double d) { out.Double(d); return true; }
  bool String(const char* s, rapidjson::SizeType n, bool) { out.StringHeader(n); out.Bytes(s, n); return true; }
  bool Key(const char* s, rapidjson::SizeType n, bool c) { return String(s, n, c); }
  bool StartObject() { open.push_back(out.OpenContainer()); return true; }
  bool EndObject(rapidjson::SizeType n) { out.CloseMap(open.back(), n); open.pop_back(); return true; }
  bool StartArray() { open.push_back(out.OpenContainer()); return true; }
  bool EndArray(rapidjson::SizeType n) { out.CloseArray(open.back(), n); open.pop_back(); return true; }
};
#endif

template <typename F>
static void Run(const char* name, const std::vector<std::string>& lines, size_t bytes, F parse) {
  double best = 1e30;
  size_t out_bytes = 0;
  for (int round = 0; round < 5; round++) {
    MsgpackBuffer out(1 << 20);
    auto t0 = std::chrono::steady_clock::now();
    for (const std::string& line : lines) {
      if (!parse(line, out)) { fprintf(stderr, "%s failed\n", name); return; }
      if (out.size() > (1 << 20)) out.Truncate(0);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < best) best = s;
    out_bytes = out.size();
  }
  printf("{\"parser\":\"%s\",\"lines\":%zu,\"MBps\":%.0f,\"linesPerSec\":%.0f,\"nsPerLine\":%.0f}\n", name, lines.size(),
         bytes / best / 1e6, lines.size() / best, best * 1e9 / lines.size());
  (void)out_bytes;
}

// What each candidate makes of the edge cases: MessagePack hex, or "error".
template <typename F>
static void Exactness(const char* name, F parse) {
  const char* cases[] = {"[18446744073709551615]", "[18446744073709551616]", "[-9223372036854775808]", "[-0]", "[1.0]",
                         "[1e400]", "[\"\\ud800x\"]", "[\"\xff\xfe\"]"};
  printf("{\"parser\":\"%s\",\"cases\":{", name);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    MsgpackBuffer out(64);
    std::string text = cases[i];
    bool ok = parse(text, out);
    std::string hex;
    char b[4];
    for (size_t j = 0; ok && j < out.size(); j++) snprintf(b, sizeof b, "%02x", out.data()[j]), hex += b;
    std::string key;
    for (char c : text) key += (c == '"' || c == '\\') ? '\'' : (unsigned char)c >= 0x80 ? '?' : c;
    printf("%s\"%s\":\"%s\"", i ? "," : "", key.c_str(), ok ? hex.c_str() : "error");
  }
  printf("}}\n");
}

int main(int argc, char** argv) {
  size_t n = argc > 1 ? strtoul(argv[1], nullptr, 10) : 200000;
  std::vector<std::string> lines = Corpus(n);
  size_t bytes = 0;
  for (auto& l : lines) bytes += l.size() + 1;
  printf("{\"corpusBytes\":%zu,\"avgLineBytes\":%zu}\n", bytes, bytes / n);
  auto hand = [](const std::string& line, MsgpackBuffer& out) {
    flbhost::JsonValueParser parser(out, 100);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(line.data());
    return parser.Value(p, p + line.size(), 0) != nullptr;
  };
  Exactness("hand-written", hand);
  Run("hand-written", lines, bytes, hand);
#ifdef WITH_SIMDJSON
  simdjson::dom::parser sp;
  auto simd = [&](const std::string& line, MsgpackBuffer& out) {
    simdjson::dom::element e;
    if (sp.parse(line.data(), line.size(), true).get(e)) return false;
    Walk(e, out);
    return true;
  };
  Exactness("simdjson-dom", simd);
  Run("simdjson-dom", lines, bytes, simd);
#endif
#ifdef WITH_RAPIDJSON
  auto rapid = [](const std::string& line, MsgpackBuffer& out) {
    Sax sax(out);
    rapidjson::Reader reader;
    rapidjson::StringStream ss(line.c_str());
    return !reader.Parse<rapidjson::kParseFullPrecisionFlag>(ss, sax).IsError();
  };
  Exactness("rapidjson-sax", rapid);
  Run("rapidjson-sax", lines, bytes, rapid);
#endif
  return 0;
}
