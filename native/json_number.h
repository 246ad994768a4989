// JSON number literals as MessagePack, exactly. The rules (Fluent Bit
// 5.1's stdin input writes the same, checked by piping each case through
// `fluent-bit -i stdin -o stdout`):
//  - an integer literal (no fraction, no exponent) from -2^63 to 2^64-1 is
//    an integer with its exact value, in the smallest encoding (non-negative
//    values as positive fixint/uint8..uint64, negative ones as negative
//    fixint/int8..int64); `-0` is the integer 0;
//  - an integer literal beyond that range is the nearest float64;
//  - a literal with a fraction or an exponent is a float64 (`1.0` stays a
//    float, as Fluent Bit keeps it), correctly rounded; beyond float64's
//    range it is +/-infinity (1e400), below it +/-0.
#ifndef FLBHOST_JSON_NUMBER_H
#define FLBHOST_JSON_NUMBER_H

#include <cstddef>
#include <cstdint>

#include "msgpack_buffer.h"

namespace flbhost {

// The extent of one JSON number literal starting at `p` (a '-' or a digit).
struct JsonNumberLiteral {
  const uint8_t* end = nullptr;  // nullptr: not a valid JSON number
  bool negative = false;
  bool integer = false;  // no fraction, no exponent
};

// Scans the literal by the JSON grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
JsonNumberLiteral ScanJsonNumber(const uint8_t* p, const uint8_t* end);

// Writes the literal [begin, literal.end) as MessagePack by the rules above.
void WriteJsonNumber(MsgpackBuffer& out, const uint8_t* begin, const JsonNumberLiteral& literal);

// The literal as a double (correctly rounded; +/-inf or +/-0 out of range).
double JsonNumberToDouble(const uint8_t* begin, const uint8_t* end);

}  // namespace flbhost

#endif
