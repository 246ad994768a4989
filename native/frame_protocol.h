// The frames flbhost and its plugin-host child exchange (isolation: one
// plugin instance per child process). src/isolation/protocol.ts is the
// TypeScript side of the same definitions; keep the two in step.
//
// A frame is a 13-byte header and a payload, little-endian throughout:
//   u32 length   bytes after this field (type + op + payload)
//   u8  type     FrameType
//   u64 op       the operation a reply belongs to (0: none)
// Strings are a u32 length and that many bytes (UTF-8, no NUL). "Rest"
// means the remaining payload bytes, taken as they are.
//
// Why a binary frame and not JSON lines: a flush carries a MessagePack chunk
// of up to 2 GiB that must reach the plugin without being re-encoded, and a
// header is parsed with two loads. Why one stream each way (the parent
// writes fd 3, reads fd 4): completions and log lines of one instance keep
// their order, so Init's unread-property list arrives before Init's result.
#ifndef FLBHOST_FRAME_PROTOCOL_H
#define FLBHOST_FRAME_PROTOCOL_H

#include <cstddef>
#include <cstdint>

namespace flbhost {

constexpr size_t kFrameHeaderBytes = 13;
// A flush is at most 0x7fffffff bytes of chunk (fluent-bit-go's C.int) plus
// its tag; anything longer is a broken stream, not a big chunk.
constexpr uint64_t kMaxFrameBytes = 0x7fffffffULL + (1u << 20);

// The child reads commands from this descriptor and writes events to the
// other; stdin, stdout and stderr stay what they are (a plugin may print).
constexpr int kCommandFd = 3;
constexpr int kEventFd = 4;

enum class FrameType : uint8_t {
  // parent -> child
  kLoad = 1,         // path: string. Answered by kLoaded.
  kCreate = 2,       // kind u8 (1 input, 2 output, 3 custom), name string,
                     // log_level i32, workers i32, interval_ns u64,
                     // buffer_limit u64, merge_limit u64, count u32, then
                     // count × (key, value) strings. Answered by kCompleted
                     // (kDone or kFailed).
  kStart = 3,        // answered by kUnread, then kCompleted (Init's code)
  kFlush = 4,        // tag string, chunk: rest. Answered by kCompleted.
  kClose = 5,        // answered by kCompleted (kDone)
  kMetrics = 6,      // answered by kCompleted (kText, Prometheus text)
  kRelease = 7,      // bytes u64: input chunk bytes the parent is done with
  kSetPaused = 8,    // paused u8
  kSetLogLevel = 9,  // level i32

  // child -> parent
  kLoaded = 64,      // ok u8; ok: path, name, description strings, type,
                     // flags, event_type i32, count u32, count × symbol;
                     // else: phase, message, dlerror strings
  kCompleted = 65,   // kind u8 (Completion::Kind), code i32, text, phase
  kLog = 66,         // level i32, plugin, file strings, line i32, message
  kChunk = 67,       // events u64, format u8, failed u8, failed_event u64,
                     // failed_offset u64, failure string, data: rest
  kUnread = 68,      // count u32, count × key string
  kStats = 69,       // input stats: collects, collect_errors, chunks, bytes,
                     // pauses, dropped_chunks, outstanding, peak_outstanding,
                     // malformed_chunks (u64 each), paused u8
};

}  // namespace flbhost

#endif
