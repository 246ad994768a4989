/**
 * Reads the build information the Go linker embeds in every binary, including
 * c-shared plugins: the Go version, the main module and every dependency
 * (what `go version -m plugin.so` prints). The host reports it in
 * diagnostics because plugin behaviour depends on it: which fluent-bit-go or
 * calyptia/plugin version decides the context and timestamp handling, and Go
 * 1.21.0 to 1.22.4 can abort with "morestack on g0" in some hosts.
 *
 * Format (Go 1.18 and later), as stored in the ELF section `.go.buildinfo`:
 *
 *   0..13   magic "\xff Go buildinf:"
 *   14      pointer size in bytes
 *   15      flags: 0x1 big-endian pointers, 0x2 strings stored inline
 *   16..31  padding (or, without 0x2, two pointers to Go string headers)
 *   32..    with 0x2: uvarint length + Go version,
 *                      uvarint length + module info text
 *
 * The module info text is wrapped in 16 sentinel bytes at each end and holds
 * tab-separated lines: `path`, `mod`, `dep`, `=>` (replaces the module on the
 * line before it) and `build key=value`.
 *
 * Binaries from Go before 1.18 store pointers instead of inline strings.
 * Following them means translating virtual addresses through the program
 * headers; we do not support that. Such binaries are still recognised as Go,
 * with `format: 'pointer-strings'` and every other field empty, so callers
 * can say "built with Go older than 1.18" instead of "not a Go binary".
 */
import { readElfInfo } from './elf.js';

export interface GoModule {
  path: string;
  version: string;
  /** The go.sum hash ("h1:..."); absent for the main module and replaced modules. */
  sum?: string;
  /** What a `replace` directive substituted for this module. */
  replace?: GoModule;
}

export interface GoBuildInfo {
  /** 'inline-strings' (Go >= 1.18, fully parsed) or 'pointer-strings' (older, not parsed). */
  format: 'inline-strings' | 'pointer-strings';
  /** e.g. "go1.26.8", possibly followed by " X:experiment". Null for the pointer format. */
  goVersion: string | null;
  /** Import path of the main package. */
  path: string | null;
  /** The main module; null when built outside module mode. */
  main: GoModule | null;
  deps: GoModule[];
  /** `build` lines: -buildmode, -compiler, CGO_ENABLED, GOARCH, GOOS, vcs.revision, ... */
  settings: Record<string, string>;
}

export const GO_BUILDINFO_SECTION = '.go.buildinfo';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
// The linker aligns the header to 16 bytes; it normally starts the section.
const HEADER_ALIGN = 16;
const FLAG_INLINE_STRINGS = 0x2;
const SENTINEL_SIZE = 16;

/**
 * Reads the Go build info of an ELF file, or null when the file is not ELF,
 * has no `.go.buildinfo` section (not a Go binary) or the section is damaged.
 * I/O errors reject.
 */
export async function readGoBuildInfo(path: string): Promise<GoBuildInfo | null> {
  const elf = await readElfInfo(path);
  if (!elf.isElf) return null;
  const section = await elf.readSection(GO_BUILDINFO_SECTION);
  return section === null ? null : parseGoBuildInfo(section);
}

/**
 * Parses the bytes of a `.go.buildinfo` section. Returns null when they hold
 * no recognisable build info (missing magic, truncated strings).
 */
export function parseGoBuildInfo(section: Uint8Array): GoBuildInfo | null {
  const bytes = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
  const start = findHeader(bytes);
  if (start === -1) return null;

  const flags = bytes[start + 15] ?? 0;
  if ((flags & FLAG_INLINE_STRINGS) === 0) {
    return { format: 'pointer-strings', goVersion: null, path: null, main: null, deps: [], settings: {} };
  }

  const cursor = { position: start + HEADER_SIZE };
  const version = readLengthPrefixed(bytes, cursor);
  const modinfo = version === null ? null : readLengthPrefixed(bytes, cursor);
  if (version === null || modinfo === null) return null;

  return {
    format: 'inline-strings',
    goVersion: version.toString('utf8'),
    ...parseModuleInfo(stripSentinels(modinfo).toString('utf8')),
  };
}

function findHeader(bytes: Buffer): number {
  for (let offset = 0; offset + HEADER_SIZE <= bytes.length; offset += HEADER_ALIGN) {
    if (bytes.subarray(offset, offset + MAGIC.length).equals(MAGIC)) return offset;
  }
  return -1;
}

/** Reads a uvarint length and that many bytes, advancing the cursor; null if truncated. */
function readLengthPrefixed(bytes: Buffer, cursor: { position: number }): Buffer | null {
  const length = readUvarint(bytes, cursor);
  if (length === null || cursor.position + length > bytes.length) return null;
  const value = bytes.subarray(cursor.position, cursor.position + length);
  cursor.position += length;
  return value;
}

/**
 * Unsigned LEB128, as Go's encoding/binary.Uvarint writes it. Arithmetic
 * instead of shifts, because JS shifts truncate to 32 bits; anything past
 * 2^53 cannot be a length in a real section and is rejected.
 */
function readUvarint(bytes: Buffer, cursor: { position: number }): number | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[cursor.position];
    if (byte === undefined) return null;
    cursor.position++;
    value += (byte & 0x7f) * scale;
    if (!Number.isSafeInteger(value)) return null;
    if ((byte & 0x80) === 0) return value;
    scale *= 128;
  }
  return null;
}

/**
 * The module info is wrapped in 16 opaque sentinel bytes at both ends (they
 * let the go command find it in a binary). When present, the text before the
 * trailing sentinel ends in a newline, which is what we check for.
 */
function stripSentinels(modinfo: Buffer): Buffer {
  const wrapped =
    modinfo.length > 2 * SENTINEL_SIZE && modinfo[modinfo.length - SENTINEL_SIZE - 1] === 0x0a; // '\n'
  return wrapped ? modinfo.subarray(SENTINEL_SIZE, modinfo.length - SENTINEL_SIZE) : modinfo;
}

type ModuleFields = Pick<GoBuildInfo, 'path' | 'main' | 'deps' | 'settings'>;

function parseModuleInfo(text: string): ModuleFields {
  let path: string | null = null;
  let main: GoModule | null = null;
  const deps: GoModule[] = [];
  const settings = new Map<string, string>();
  // The module a following "=>" line replaces.
  let lastModule: GoModule | null = null;

  for (const line of text.split('\n')) {
    const [kind = '', ...fields] = line.split('\t');
    switch (kind) {
      case 'path':
        path = fields[0] ?? '';
        break;
      case 'mod':
        main = lastModule = moduleFromFields(fields);
        break;
      case 'dep':
        lastModule = moduleFromFields(fields);
        deps.push(lastModule);
        break;
      case '=>':
        if (lastModule !== null) lastModule.replace = moduleFromFields(fields);
        lastModule = null;
        break;
      case 'build': {
        const setting = parseBuildSetting(fields.join('\t'));
        if (setting !== null) settings.set(setting.key, setting.value);
        break;
      }
      default:
        // Blank lines, and line kinds a future Go may add: skip them.
        break;
    }
  }
  // fromEntries defines own properties, so even a key like "__proto__" is safe.
  return { path, main, deps, settings: Object.fromEntries(settings) };
}

function moduleFromFields([path = '', version = '', sum = '']: string[]): GoModule {
  return sum === '' ? { path, version } : { path, version, sum };
}

/**
 * `key=value`, where the go command quotes (Go syntax) a key containing any of
 * ` \t\r\n"\`=` and a value containing any of ` \t\r\n"\``, e.g.
 * `-ldflags="-s -w"`.
 */
function parseBuildSetting(text: string): { key: string; value: string } | null {
  let key: string;
  let rest: string;
  if (text.startsWith('"')) {
    const end = endOfQuoted(text);
    const unquoted = end === -1 ? null : unquoteGoString(text.slice(0, end));
    if (unquoted === null || text[end] !== '=') return null;
    key = unquoted;
    rest = text.slice(end + 1);
  } else {
    const equals = text.indexOf('=');
    if (equals <= 0) return null;
    key = text.slice(0, equals);
    rest = text.slice(equals + 1);
  }
  const value = rest.startsWith('"') ? unquoteGoString(rest) : rest;
  return value === null ? null : { key, value };
}

/** Index just past the closing quote of the double-quoted string at the start of text, or -1. */
function endOfQuoted(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
};

/**
 * Decodes a Go double-quoted string literal (what strconv.Quote produces).
 * \x and octal escapes denote raw bytes, so the result is assembled as UTF-8
 * bytes and decoded once at the end. Returns null for malformed input.
 */
export function unquoteGoString(literal: string): string | null {
  if (literal.length < 2 || !literal.startsWith('"') || !literal.endsWith('"')) return null;
  const body = literal.slice(1, -1);
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i] ?? '';
    if (char === '"') return null; // an unescaped quote cannot occur inside
    if (char !== '\\') {
      const codePoint = body.codePointAt(i) ?? 0;
      out.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
      i += codePoint > 0xffff ? 2 : 1;
      continue;
    }
    const escape = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
    } else if (escape === 'x' || escape === 'u' || escape === 'U') {
      const digits = escape === 'x' ? 2 : escape === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) return null;
      const value = Number.parseInt(hex, 16);
      if (escape === 'x') out.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return null;
      else out.push(...Buffer.from(String.fromCodePoint(value), 'utf8'));
      i += 2 + digits;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4))) {
      const value = Number.parseInt(body.slice(i + 1, i + 4), 8);
      if (value > 0xff) return null;
      out.push(value);
      i += 4;
    } else {
      return null;
    }
  }
  return Buffer.from(out).toString('utf8');
}
