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

// The time of a record's time key (JsonLinesOptions::time_key): epoch
// MILLISECONDS as a JSON number, pino's default `time`, read from the
// literal's digits like the above: 1700000000123 is 1700000000 s and
// 123000000 ns; a fraction keeps its first 6 digits (to the nanosecond).
// With an exponent, the double it means. False when negative or when the
// seconds are past kMaxEventSeconds (the member then stays in the record).
bool EventTimeFromMillisLiteral(const uint8_t* begin, const uint8_t* end, EventTimeValue* time);

// An RFC 3339 date-time, the string between the quotes of
// pino.stdTimeFunctions.isoTime ("2023-11-14T22:13:20.123Z") or isoTimeNano
// (9 fraction digits): YYYY-MM-DD, 'T' (or 't' or ' '), hh:mm:ss, an
// optional fraction (its first 9 digits kept), then 'Z' (or 'z') or
// +hh:mm / -hh:mm. False for anything else, for a date or time out of
// range, and for a time before 1970 or past kMaxEventSeconds.
bool EventTimeFromRfc3339(const uint8_t* begin, const uint8_t* end, EventTimeValue* time);

// The current time (CLOCK_REALTIME), as records without a time get it.
EventTimeValue EventTimeNow();

}  // namespace flbhost

#endif
