/**
 * Doubles printed the way Fluent Bit's msgpack-to-JSON printer prints them,
 * so flbhost's JSON output matches Fluent Bit's byte for byte: `%.1f` for a
 * double with no fraction (1700000000.0) and `%.16g` otherwise
 * (1700000000.123457). JavaScript's shortest round-trip form would print 17
 * digits (1700000000.1234567) and never the `.0`.
 */

const SIGNIFICANT_DIGITS = 16;

/** C's `%.16g`: 16 significant digits, trailing zeros dropped, e-notation outside 1e-4..1e16. */
export function formatG16(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const { digits, exponent } = roundToSignificant(Math.abs(value));
  if (exponent < -4 || exponent >= SIGNIFICANT_DIGITS) {
    const mantissa = dropTrailingZeros(`${digits[0]}.${digits.slice(1)}`);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return sign + dropTrailingZeros(fixedNotation(digits, exponent));
}

/** A double as Fluent Bit writes it in JSON: `%.1f` when integral, else `%.16g`. */
export function formatCDouble(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) {
    // toFixed switches to e-notation from 1e21; BigInt keeps every digit.
    return `${Math.abs(value) < 1e21 ? value.toFixed(0) : BigInt(value).toString()}.0`;
  }
  return formatG16(value);
}

/**
 * The 16 significant digits of a positive double and the decimal exponent
 * of the first, rounded as printf rounds: to nearest, and an exact tie to
 * the even digit. toExponential rounds ties away from zero instead, so a
 * tie (1700000000.0078125) is detected and settled here.
 */
function roundToSignificant(value: number): { digits: string; exponent: number } {
  const rounded = splitExponential(value.toExponential(SIGNIFICANT_DIGITS - 1));
  const longer = splitExponential(value.toExponential(SIGNIFICANT_DIGITS));
  if (!longer.digits.endsWith('5') || !isExactly(value, longer.digits, longer.exponent)) return rounded;
  const truncated = longer.digits.slice(0, SIGNIFICANT_DIGITS);
  const lastKept = Number(truncated[SIGNIFICANT_DIGITS - 1]);
  return lastKept % 2 === 0 ? { digits: truncated, exponent: longer.exponent } : rounded;
}

function splitExponential(text: string): { digits: string; exponent: number } {
  const [mantissa, exponent] = text.split('e') as [string, string];
  return { digits: mantissa.replace('.', ''), exponent: Number(exponent) };
}

/** Whether `value` is exactly digits[0].digits[1..] × 10^exponent (BigInt arithmetic, no rounding). */
function isExactly(value: number, digits: string, exponent: number): boolean {
  const { mantissa, binaryExponent } = decompose(value);
  const decimalExponent = exponent - (digits.length - 1);
  // mantissa × 2^binaryExponent == digits × 10^decimalExponent, both sides made integral.
  const left = mantissa * 2n ** BigInt(Math.max(binaryExponent, 0)) * 10n ** BigInt(Math.max(-decimalExponent, 0));
  const right = BigInt(digits) * 10n ** BigInt(Math.max(decimalExponent, 0)) * 2n ** BigInt(Math.max(-binaryExponent, 0));
  return left === right;
}

/** A finite positive double as mantissa × 2^binaryExponent, exactly. */
function decompose(value: number): { mantissa: bigint; binaryExponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, binaryExponent: -1074 }; // subnormal
  return { mantissa: fraction | (1n << 52n), binaryExponent: biased - 1075 };
}

/** digits d0d1d2… with d0 at 10^exponent, written without an exponent. */
function fixedNotation(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return fraction ? `${whole}.${fraction}` : whole;
}

function dropTrailingZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
