// See json_number.h.
#include "json_number.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace flbhost {

namespace {

inline bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }

// The decimal exponent of the literal's leading significant digit, roughly:
// enough to tell an overflow (> 0) from an underflow, which is all an
// out-of-range result needs (float64 spans 1e-324 .. 1e308).
long DecimalMagnitude(const uint8_t* p, const uint8_t* end) {
  if (p < end && *p == '-') p++;
  long integer_digits = 0;
  bool significant = false;
  long fraction_zeros = 0;
  while (p < end && IsDigit(*p)) {
    if (*p != '0') significant = true;
    if (significant) integer_digits++;
    p++;
  }
  if (p < end && *p == '.') {
    p++;
    while (p < end && IsDigit(*p)) {
      if (!significant && *p == '0') fraction_zeros++;
      else significant = true;
      p++;
    }
  }
  long exponent = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool negative = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) p++;
    while (p < end && IsDigit(*p)) {
      if (exponent < 100000000) exponent = exponent * 10 + (*p - '0');
      p++;
    }
    if (negative) exponent = -exponent;
  }
  return integer_digits > 0 ? exponent + integer_digits : exponent - fraction_zeros;
}

}  // namespace

JsonNumberLiteral ScanJsonNumber(const uint8_t* p, const uint8_t* end) {
  JsonNumberLiteral literal;
  if (p < end && *p == '-') {
    literal.negative = true;
    p++;
  }
  if (p >= end || !IsDigit(*p)) return literal;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && IsDigit(*p)) p++;
  }
  literal.integer = true;
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !IsDigit(*p)) return literal;
    while (p < end && IsDigit(*p)) p++;
    literal.integer = false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !IsDigit(*p)) return literal;
    while (p < end && IsDigit(*p)) p++;
    literal.integer = false;
  }
  literal.end = p;
  return literal;
}

double JsonNumberToDouble(const uint8_t* begin, const uint8_t* end) {
  double value = 0;
  // from_chars: locale-independent and correctly rounded (libstdc++ 12
  // implements it with fast_float); strtod would follow LC_NUMERIC.
  auto result = std::from_chars(reinterpret_cast<const char*>(begin), reinterpret_cast<const char*>(end), value);
  if (result.ec == std::errc::result_out_of_range) {
    bool negative = *begin == '-';
    double magnitude = DecimalMagnitude(begin, end) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -magnitude : magnitude;
  }
  return value;
}

void WriteJsonNumber(MsgpackBuffer& out, const uint8_t* begin, const JsonNumberLiteral& literal) {
  if (literal.integer) {
    const uint8_t* p = begin + (literal.negative ? 1 : 0);
    // At most 20 digits fit in a uint64; the overflow check covers the 20th.
    uint64_t value = 0;
    bool overflow = false;
    for (; p < literal.end; p++) {
      uint64_t digit = uint64_t(*p - '0');
      if (value > (UINT64_MAX - digit) / 10) {
        overflow = true;
        break;
      }
      value = value * 10 + digit;
    }
    if (!overflow) {
      if (!literal.negative) {
        out.Unsigned(value);
        return;
      }
      if (value == 0) {
        out.Unsigned(0);  // -0: the integer 0, as Fluent Bit writes it
        return;
      }
      if (value <= uint64_t(INT64_MAX) + 1) {
        out.Signed(int64_t(0 - value));  // two's complement: exact down to -2^63
        return;
      }
    }
  }
  out.Double(JsonNumberToDouble(begin, literal.end));
}

}  // namespace flbhost
