// See json_event_time.h.
#include "json_event_time.h"

#include <time.h>

#include <cmath>

#include "json_number.h"

namespace flbhost {

bool EventTimeFromLiteral(const uint8_t* begin, const uint8_t* end, EventTimeValue* time) {
  bool plain = true;
  for (const uint8_t* p = begin; p < end; p++) {
    if (*p == '-' || *p == 'e' || *p == 'E') plain = false;
  }
  if (plain) {
    const uint8_t* p = begin;
    uint64_t seconds = 0;
    for (; p < end && *p != '.'; p++) {
      seconds = seconds * 10 + uint64_t(*p - '0');
      if (seconds > kMaxEventSeconds) return false;
    }
    uint32_t nanoseconds = 0;
    int digits = 0;
    if (p < end) p++;  // the '.'
    for (; p < end && digits < 9; p++, digits++) nanoseconds = nanoseconds * 10 + uint32_t(*p - '0');
    for (; digits < 9; digits++) nanoseconds *= 10;
    time->seconds = uint32_t(seconds);
    time->nanoseconds = nanoseconds;
    return true;
  }
  double value = JsonNumberToDouble(begin, end);
  if (!std::isfinite(value) || value < 0 || value >= double(kMaxEventSeconds) + 1) return false;
  double seconds = std::floor(value);
  double nanoseconds = std::round((value - seconds) * 1e9);
  time->seconds = uint32_t(seconds);
  time->nanoseconds = nanoseconds > 999999999.0 ? 999999999u : uint32_t(nanoseconds);
  return true;
}

EventTimeValue EventTimeNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return EventTimeValue{uint32_t(now.tv_sec), uint32_t(now.tv_nsec)};
}

}  // namespace flbhost
