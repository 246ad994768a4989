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

namespace {

// Up to 9 fraction digits at [p, end) as nanoseconds (the rest cut); the
// digits are already checked by the caller.
uint32_t FractionNanoseconds(const uint8_t* p, const uint8_t* end, int scale_digits) {
  uint32_t nanoseconds = 0;
  int digits = 0;
  for (; p < end && digits < scale_digits; p++, digits++) nanoseconds = nanoseconds * 10 + uint32_t(*p - '0');
  for (; digits < scale_digits; digits++) nanoseconds *= 10;
  return nanoseconds;
}

bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }

// `count` digits at p as a number, or -1.
int64_t Digits(const uint8_t* p, int count) {
  int64_t value = 0;
  for (int i = 0; i < count; i++) {
    if (!IsDigit(p[i])) return -1;
    value = value * 10 + (p[i] - '0');
  }
  return value;
}

// Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t DaysInMonth(int64_t year, int64_t month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool EventTimeFromMillisLiteral(const uint8_t* begin, const uint8_t* end, EventTimeValue* time) {
  bool plain = true;
  for (const uint8_t* p = begin; p < end; p++) {
    if (*p == '-' || *p == 'e' || *p == 'E') plain = false;
  }
  constexpr uint64_t kMaxMillis = (uint64_t(kMaxEventSeconds) + 1) * 1000;  // exclusive
  if (plain) {
    const uint8_t* p = begin;
    uint64_t ms = 0;
    for (; p < end && *p != '.'; p++) {
      ms = ms * 10 + uint64_t(*p - '0');
      if (ms >= kMaxMillis) return false;
    }
    if (p < end) p++;  // the '.'
    time->seconds = uint32_t(ms / 1000);
    time->nanoseconds = uint32_t(ms % 1000) * 1000000u + FractionNanoseconds(p, end, 6);
    return true;
  }
  double ms = JsonNumberToDouble(begin, end);
  if (!std::isfinite(ms) || ms < 0 || ms >= double(kMaxMillis)) return false;
  double seconds = std::floor(ms / 1000);
  double nanoseconds = std::round((ms - seconds * 1000) * 1e6);
  time->seconds = uint32_t(seconds);
  time->nanoseconds = nanoseconds > 999999999.0 ? 999999999u : uint32_t(nanoseconds);
  return true;
}

bool EventTimeFromRfc3339(const uint8_t* begin, const uint8_t* end, EventTimeValue* time) {
  // YYYY-MM-DDThh:mm:ss is 19 bytes, and a zone follows.
  if (end - begin < 20) return false;
  const uint8_t* p = begin;
  int64_t year = Digits(p, 4), month = Digits(p + 5, 2), day = Digits(p + 8, 2);
  int64_t hour = Digits(p + 11, 2), minute = Digits(p + 14, 2), second = Digits(p + 17, 2);
  if (p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') || p[13] != ':' || p[16] != ':') return false;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  // Second 60 (a leap second) is refused: Date.parse refuses it too.
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  p += 19;
  uint32_t nanoseconds = 0;
  if (*p == '.') {
    const uint8_t* digits = ++p;
    while (p < end && IsDigit(*p)) p++;
    if (p == digits) return false;
    nanoseconds = FractionNanoseconds(digits, p, 9);
  }
  int64_t offset = 0;  // seconds east of UTC
  if (p < end && (*p == 'Z' || *p == 'z')) {
    p++;
  } else if (p < end && (*p == '+' || *p == '-') && end - p >= 6 && p[3] == ':') {
    int64_t hours = Digits(p + 1, 2), minutes = Digits(p + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return false;
    offset = (hours * 60 + minutes) * 60 * (*p == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (p != end) return false;
  int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (seconds < 0 || seconds > int64_t(kMaxEventSeconds)) return false;
  time->seconds = uint32_t(seconds);
  time->nanoseconds = nanoseconds;
  return true;
}

EventTimeValue EventTimeNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return EventTimeValue{uint32_t(now.tv_sec), uint32_t(now.tv_nsec)};
}

}  // namespace flbhost
