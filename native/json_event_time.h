// The time of a `[time, record]` JSON line: epoch seconds written as a
// JSON number, read from the literal's own digits so that nanoseconds are
// exact (a double is off by tens of nanoseconds near 1.7e9). The rules of
// src/builtin/json-event.ts (the JS path), kept the same:
//  - plain decimal (1700000000.123456789): exact; digits past the 9th are
//    cut, as Fluent Bit does; seconds up to 0xFFFFFFFD;
//  - exponent or minus sign (1.7e9, -0): the double it means, rounded to
//    the nanosecond; must be from 0 to below 0xFFFFFFFE.
#ifndef FLBHOST_JSON_EVENT_TIME_H
#define FLBHOST_JSON_EVENT_TIME_H

#include <cstdint>

namespace flbhost {

constexpr uint32_t kMaxEventSeconds = 0xfffffffd;

struct EventTimeValue {
  uint32_t seconds = 0;
  uint32_t nanoseconds = 0;
};

// False when the literal [begin, end) is out of range.
bool EventTimeFromLiteral(const uint8_t* begin, const uint8_t* end, EventTimeValue* time);

// The current time (CLOCK_REALTIME), as records without a time get it.
EventTimeValue EventTimeNow();

}  // namespace flbhost

#endif
