// What leaves the plugin-hosting core: completions of the operations it was
// handed, the lines plugins log, and the chunks inputs produce. The core
// (library, host_api, the instances) reports through this interface only,
// so it knows nothing of Node: env_channel.* implements it for one
// JavaScript environment, and another host (a child process serving a
// parent over a pipe) can implement it too.
#ifndef FLBHOST_INSTANCE_EVENTS_H
#define FLBHOST_INSTANCE_EVENTS_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace flbhost {

// Names an operation someone waits for. Chosen by whoever handed the work
// to the core (the Node front end uses the napi_deferred itself) and handed
// back verbatim; the core never looks inside. 0 means nobody waits, and is
// never reported.
using CompletionId = uint64_t;
constexpr CompletionId kNobodyWaits = 0;

// What an operation came to.
struct Completion {
  enum class Kind {
    kDone,       // finished, no value (close)
    kCode,       // a plugin's return code (Init, flush)
    kText,       // a string (metrics)
    kCancelled,  // dropped before it ran (a queued flush)
    kFailed,     // did not happen: `text` says why, `phase` where
  };
  Kind kind = Kind::kDone;
  int code = 0;
  std::string text;
  std::string phase;

  static Completion Done() { return Completion{}; }
  static Completion Code(int code) {
    Completion c;
    c.kind = Kind::kCode;
    c.code = code;
    return c;
  }
  static Completion Text(std::string text) {
    Completion c;
    c.kind = Kind::kText;
    c.text = std::move(text);
    return c;
  }
  static Completion Cancelled() {
    Completion c;
    c.kind = Kind::kCancelled;
    return c;
  }
  static Completion Failed(std::string message, std::string phase) {
    Completion c;
    c.kind = Kind::kFailed;
    c.text = std::move(message);
    c.phase = std::move(phase);
    return c;
  }
  // How an instance's start ended: Init's return code, or the failure that
  // kept Init from running (registering the library again failed).
  static Completion InitResult(const std::string& failure, int code) {
    return failure.empty() ? Code(code) : Failed(failure, "register");
  }
};

// A line a plugin logged through flb_api.log_print.
struct LogRecord {
  int level = 0;
  std::string plugin;         // registered plugin name, "" when unknown
  uint64_t instance_id = 0;   // 0 when the calling instance is unknown
  std::string file;           // log_print's file argument (usually NULL)
  int line = 0;
  std::string message;
};

// A checked chunk from an input: `data` is malloc'd; whoever accepts it
// owns it (and frees it with free()).
struct InputChunk {
  uint64_t instance_id = 0;
  uint8_t* data = nullptr;
  size_t length = 0;
  size_t events = 0;
  int format = 1;  // 1 v1, 2 v2, 3 both
  // Malformed data after the valid events, if any.
  bool failed = false;
  size_t failed_event = 0;
  size_t failed_offset = 0;
  std::string failure;
};

// Every method may be called from any thread (plugin threads, goroutine
// threads), at any time, including after the receiving side is gone: it
// then returns false and the caller falls back (drops, frees, prints).
// None may block on the receiver.
class InstanceEvents {
 public:
  virtual ~InstanceEvents() = default;

  // The operation named `id` finished (never called with kNobodyWaits).
  virtual bool Completed(CompletionId id, Completion completion) = 0;
  // A plugin log line.
  virtual bool Log(LogRecord record) = 0;
  // An input chunk. On true, `chunk.data` now belongs to the receiver; on
  // false the caller still owns it.
  virtual bool InputChunkReady(InputChunk chunk) = 0;
};

}  // namespace flbhost

#endif
