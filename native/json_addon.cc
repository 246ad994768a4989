// See json_addon.h. The parsing itself (json_lines.cc) is Node-free; this
// file only converts arguments and results.
#include "json_addon.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "json_lines.h"

namespace flbhost {

namespace {

JsonLinesOptions ReadOptions(const Napi::CallbackInfo& info) {
  JsonLinesOptions options;
  if (info.Length() < 2 || !info[1].IsObject()) return options;
  Napi::Object object = info[1].As<Napi::Object>();
  auto number = [&](const char* key, double fallback) {
    Napi::Value value = object.Get(key);
    return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
  };
  options.first_line = uint64_t(number("firstLine", double(options.first_line)));
  options.max_line_bytes = size_t(number("maxLineBytes", double(options.max_line_bytes)));
  options.max_chunk_bytes = size_t(number("maxChunkBytes", double(options.max_chunk_bytes)));
  double depth = number("maxDepth", options.max_depth);
  options.max_depth = depth < 1 ? 1 : depth > 10000 ? 10000 : int(depth);
  Napi::Value time_key = object.Get("timeKey");
  if (time_key.IsString()) options.time_key = time_key.As<Napi::String>().Utf8Value();
  options.objects_only = object.Get("objectsOnly").ToBoolean().Value();
  return options;
}

Napi::Uint8Array DataArgument(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), "expected a Uint8Array of JSON text");
  }
  return info[0].As<Napi::Uint8Array>();
}

// The result as JS values; the chunks' bytes become Buffers without a copy.
Napi::Object ToJs(Napi::Env env, JsonLinesResult& result) {
  Napi::Array chunks = Napi::Array::New(env, result.chunks.size());
  for (size_t i = 0; i < result.chunks.size(); i++) {
    JsonEventChunk& chunk = result.chunks[i];
    size_t length = chunk.data.size();
    uint8_t* bytes = chunk.data.Release();
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", Napi::Buffer<uint8_t>::New(env, bytes, length, [](Napi::Env, uint8_t* memory) { std::free(memory); }));
    out.Set("events", double(chunk.events));
    out.Set("format", chunk.v2 ? "v2" : "v1");
    chunks.Set(uint32_t(i), out);
  }
  Napi::Array problems = Napi::Array::New(env, result.problems.size());
  for (size_t i = 0; i < result.problems.size(); i++) {
    Napi::Object problem = Napi::Object::New(env);
    problem.Set("line", double(result.problems[i].line));
    problem.Set("message", result.problems[i].message);
    problems.Set(uint32_t(i), problem);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("chunks", chunks);
  out.Set("problems", problems);
  out.Set("lines", double(result.lines));
  return out;
}

// Parses on a libuv pool thread. The input stays referenced (not copied)
// until the work is done: callers must not reuse its memory meanwhile.
class JsonLinesWorker : public Napi::AsyncWorker {
 public:
  JsonLinesWorker(Napi::Env env, Napi::Uint8Array data, JsonLinesOptions options)
      : Napi::AsyncWorker(env, "flbhost.jsonLines"),
        deferred_(Napi::Promise::Deferred::New(env)),
        bytes_(data.Data()),
        length_(data.ByteLength()),
        options_(options) {
    input_ = Napi::Persistent(data.As<Napi::Object>());
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = JsonLinesToChunks(bytes_, length_, options_);
    } catch (const std::exception& e) {
      SetError(std::string("parsing JSON lines failed: ") + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(ToJs(Env(), result_)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference input_;
  const uint8_t* bytes_;
  size_t length_;
  JsonLinesOptions options_;
  JsonLinesResult result_;
};

}  // namespace

Napi::Value JsonLinesToChunksSync(const Napi::CallbackInfo& info) {
  Napi::Uint8Array data = DataArgument(info);
  JsonLinesResult result = JsonLinesToChunks(data.Data(), data.ByteLength(), ReadOptions(info));
  return ToJs(info.Env(), result);
}

Napi::Value JsonLinesToChunksAsync(const Napi::CallbackInfo& info) {
  Napi::Uint8Array data = DataArgument(info);
  auto* worker = new JsonLinesWorker(info.Env(), data, ReadOptions(info));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // deleted by node-addon-api when done
  return promise;
}

Napi::Value JsonValueToMsgpack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array data = DataArgument(info);
  int depth = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : kDefaultJsonMaxDepth;
  MsgpackBuffer out(data.ByteLength() + 16);
  std::string message;
  if (!JsonToMsgpack(data.Data(), data.ByteLength(), depth < 1 ? 1 : depth, &out, &message)) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Set("name", "SyntaxError");
    throw error;
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

}  // namespace flbhost
