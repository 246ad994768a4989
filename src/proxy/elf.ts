/**
 * A minimal ELF reader for plugin preflight checks and `flbhost inspect`.
 *
 * dlopen's own errors for a wrong-architecture or non-ELF file are terse
 * ("invalid ELF header", "wrong ELF class"), so before loading a plugin we
 * read just enough of the file to explain the problem in plain words: the
 * ELF header, the section header table and the section-name string table.
 * Section contents (for example `.go.buildinfo`) are read on demand.
 */
import { open, type FileHandle } from 'node:fs/promises';

export type ElfEndianness = 'little' | 'big';

export interface ElfSection {
  name: string;
  /** sh_type, e.g. 1 = SHT_PROGBITS, 8 = SHT_NOBITS (occupies no file bytes). */
  type: number;
  /** Position and length of the section's bytes in the file. */
  offset: number;
  size: number;
}

export interface NotElf {
  isElf: false;
  /** Why the file was not accepted as ELF, for error messages. */
  reason: string;
}

export interface Elf {
  isElf: true;
  /** EI_CLASS: 32- or 64-bit objects. The proxy ABI is LP64 only. */
  bits: 32 | 64;
  endianness: ElfEndianness;
  /** e_machine, the raw number. */
  machine: number;
  /** e_machine as a Node `process.arch` name, or `unknown(N)`. */
  arch: string;
  /** e_type, the raw number (3 = ET_DYN for shared objects). */
  type: number;
  /** e_type by name: ET_NONE, ET_REL, ET_EXEC, ET_DYN, ET_CORE or `unknown(N)`. */
  typeName: string;
  sections: ElfSection[];
  /**
   * Set when the header parsed but the section tables did not (a truncated
   * or damaged file). `sections` is then empty or partial; the header fields
   * are still trustworthy enough for an architecture check.
   */
  problem?: string;
  /**
   * Reads a section's bytes from the file. Returns null when there is no
   * such section or it has no bytes in the file (SHT_NOBITS, or its range
   * lies outside the file).
   */
  readSection(name: string): Promise<Buffer | null>;
}

export type ElfInfo = NotElf | Elf;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]); // "\x7fELF"
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const SHT_NOBITS = 8;
// Extended section numbering (ELF gABI): when the real count or string-table
// index does not fit in the header, the header holds these markers and the
// values live in section header 0.
const SHN_UNDEF = 0;
const SHN_XINDEX = 0xffff;

const ELF_TYPE_NAMES: Record<number, string> = {
  0: 'ET_NONE',
  1: 'ET_REL',
  2: 'ET_EXEC',
  3: 'ET_DYN',
  4: 'ET_CORE',
};

// e_machine for each Node process.arch we could be running on.
const MACHINE_BY_NODE_ARCH: Record<string, number> = {
  ia32: 3, // EM_386
  mips: 8, // EM_MIPS
  mipsel: 8,
  ppc: 20, // EM_PPC
  ppc64: 21, // EM_PPC64
  s390: 22, // EM_S390 (both widths)
  s390x: 22,
  arm: 40, // EM_ARM
  x64: 62, // EM_X86_64
  arm64: 183, // EM_AARCH64
  riscv64: 243, // EM_RISCV
  loong64: 258, // EM_LOONGARCH
};

/** The e_machine a plugin must have to load into this process, or null if unknown. */
export function hostElfMachine(arch: string = process.arch): number | null {
  return MACHINE_BY_NODE_ARCH[arch] ?? null;
}

/**
 * Names an e_machine the way Node names architectures. A few machine numbers
 * cover two Node arches, told apart by word size or byte order.
 */
export function elfArchName(machine: number, bits: 32 | 64, endianness: ElfEndianness): string {
  switch (machine) {
    case 3:
      return 'ia32';
    case 8:
      return endianness === 'little' ? 'mipsel' : 'mips';
    case 20:
      return 'ppc';
    case 21:
      return 'ppc64';
    case 22:
      return bits === 64 ? 's390x' : 's390';
    case 40:
      return 'arm';
    case 62:
      return 'x64';
    case 183:
      return 'arm64';
    case 243:
      return bits === 64 ? 'riscv64' : `unknown(${machine})`;
    case 258:
      return 'loong64';
    default:
      return `unknown(${machine})`;
  }
}

/**
 * Reads the ELF identification and section table of `path`.
 *
 * A file that is not ELF resolves to `{ isElf: false }`; only I/O errors
 * reject (ENOENT, EACCES, EISDIR, ... with their `code`), so callers can
 * tell "cannot read" from "not a plugin".
 */
export async function readElfInfo(path: string): Promise<ElfInfo> {
  const file = await open(path, 'r');
  try {
    const fileSize = (await file.stat()).size;
    const ident = await readAt(file, 0, 64);
    return await parseElf(path, file, fileSize, ident); // await: the finally must not close the file early
  } finally {
    await file.close();
  }
}

async function parseElf(path: string, file: FileHandle, fileSize: number, head: Buffer): Promise<ElfInfo> {
  if (head.length < 4 || !head.subarray(0, 4).equals(ELF_MAGIC)) {
    return { isElf: false, reason: 'no ELF magic number (\\x7fELF) at the start of the file' };
  }
  const elfClass = head[4];
  if (elfClass !== ELFCLASS32 && elfClass !== ELFCLASS64) {
    return { isElf: false, reason: `invalid ELF class byte ${String(elfClass)}` };
  }
  const dataEncoding = head[5];
  if (dataEncoding !== ELFDATA2LSB && dataEncoding !== ELFDATA2MSB) {
    return { isElf: false, reason: `invalid ELF data encoding byte ${String(dataEncoding)}` };
  }
  const bits = elfClass === ELFCLASS64 ? 64 : 32;
  const layout = bits === 64 ? LAYOUT64 : LAYOUT32;
  if (head.length < layout.headerSize) {
    return { isElf: false, reason: `truncated ELF header (${head.length} of ${layout.headerSize} bytes)` };
  }

  const endianness: ElfEndianness = dataEncoding === ELFDATA2LSB ? 'little' : 'big';
  const read = new FieldReader(head, endianness);
  const type = read.u16(16);
  const machine = read.u16(18);
  const header: HeaderFields = {
    shoff: read.word(layout.shoff, bits),
    shentsize: read.u16(layout.shentsize),
    shnum: read.u16(layout.shnum),
    shstrndx: read.u16(layout.shstrndx),
  };

  const { sections, problem } = await readSectionTable(file, fileSize, endianness, bits, header);
  return {
    isElf: true,
    bits,
    endianness,
    machine,
    arch: elfArchName(machine, bits, endianness),
    type,
    typeName: ELF_TYPE_NAMES[type] ?? `unknown(${type})`,
    sections,
    ...(problem === undefined ? {} : { problem }),
    readSection: (name) => readSectionBytes(path, sections, name),
  };
}

interface HeaderFields {
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

// Field offsets that differ between ELF32 and ELF64 (System V gABI).
interface Layout {
  headerSize: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
  /** Minimum section header size and the offsets of the fields we use in it. */
  sh: { size: number; name: number; type: number; offset: number; bytes: number; link: number };
}

const LAYOUT64: Layout = {
  headerSize: 64,
  shoff: 40,
  shentsize: 58,
  shnum: 60,
  shstrndx: 62,
  sh: { size: 64, name: 0, type: 4, offset: 24, bytes: 32, link: 40 },
};

const LAYOUT32: Layout = {
  headerSize: 52,
  shoff: 32,
  shentsize: 46,
  shnum: 48,
  shstrndx: 50,
  sh: { size: 40, name: 0, type: 4, offset: 16, bytes: 20, link: 24 },
};

interface RawSection {
  nameOffset: number;
  type: number;
  offset: number;
  size: number;
  link: number;
}

interface SectionTable {
  sections: ElfSection[];
  problem?: string;
}

async function readSectionTable(
  file: FileHandle,
  fileSize: number,
  endianness: ElfEndianness,
  bits: 32 | 64,
  header: HeaderFields,
): Promise<SectionTable> {
  const layout = bits === 64 ? LAYOUT64 : LAYOUT32;
  if (header.shoff === 0) {
    return { sections: [], problem: 'the file has no section header table' };
  }
  if (header.shentsize < layout.sh.size) {
    return { sections: [], problem: `section header entries are too small (${header.shentsize} bytes)` };
  }

  // Extended numbering: the real count and string-table index sit in entry 0.
  let count = header.shnum;
  let nameTableIndex = header.shstrndx;
  if (count === 0 || nameTableIndex === SHN_XINDEX) {
    const entryZero = (await readSectionHeaders(file, fileSize, endianness, bits, header, 1))?.[0];
    if (entryZero === undefined) {
      return { sections: [], problem: 'the section header table lies outside the file' };
    }
    if (count === 0) count = entryZero.size;
    if (nameTableIndex === SHN_XINDEX) nameTableIndex = entryZero.link;
  }

  const raw = await readSectionHeaders(file, fileSize, endianness, bits, header, count);
  if (raw === null) {
    return { sections: [], problem: 'the section header table lies outside the file' };
  }
  const nameTable = raw[nameTableIndex];
  if (nameTableIndex === SHN_UNDEF || nameTable === undefined) {
    return { sections: raw.map((s) => toSection(s, '')), problem: 'the file has no section name table' };
  }
  if (!fitsInFile(nameTable.offset, nameTable.size, fileSize)) {
    return { sections: raw.map((s) => toSection(s, '')), problem: 'the section name table lies outside the file' };
  }
  const names = await readAt(file, nameTable.offset, nameTable.size);
  return { sections: raw.map((s) => toSection(s, cString(names, s.nameOffset))) };
}

/** Reads `count` section headers, or returns null if they run past the end of the file. */
async function readSectionHeaders(
  file: FileHandle,
  fileSize: number,
  endianness: ElfEndianness,
  bits: 32 | 64,
  header: HeaderFields,
  count: number,
): Promise<RawSection[] | null> {
  const tableSize = count * header.shentsize;
  if (!fitsInFile(header.shoff, tableSize, fileSize)) return null;
  const table = await readAt(file, header.shoff, tableSize);
  if (table.length < tableSize) return null;

  const { sh } = bits === 64 ? LAYOUT64 : LAYOUT32;
  const read = new FieldReader(table, endianness);
  const sections: RawSection[] = [];
  for (let index = 0; index < count; index++) {
    const base = index * header.shentsize;
    sections.push({
      nameOffset: read.u32(base + sh.name),
      type: read.u32(base + sh.type),
      offset: read.word(base + sh.offset, bits),
      size: read.word(base + sh.bytes, bits),
      link: read.u32(base + sh.link),
    });
  }
  return sections;
}

function toSection(raw: RawSection, name: string): ElfSection {
  return { name, type: raw.type, offset: raw.offset, size: raw.size };
}

async function readSectionBytes(path: string, sections: ElfSection[], name: string): Promise<Buffer | null> {
  const section = sections.find((s) => s.name === name);
  if (section === undefined || section.type === SHT_NOBITS) return null;
  const file = await open(path, 'r');
  try {
    const fileSize = (await file.stat()).size;
    if (!fitsInFile(section.offset, section.size, fileSize)) return null;
    const bytes = await readAt(file, section.offset, section.size);
    // A short read here means the file shrank since readElfInfo looked at it.
    if (bytes.length < section.size) {
      throw new Error(`${path}: file changed while reading section ${name}`);
    }
    return bytes;
  } finally {
    await file.close();
  }
}

function fitsInFile(offset: number, length: number, fileSize: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset + length <= fileSize;
}

/** Reads up to `length` bytes at `position`; shorter only at end of file. */
async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function cString(table: Buffer, offset: number): string {
  if (offset >= table.length) return '';
  const end = table.indexOf(0, offset);
  return table.toString('latin1', offset, end === -1 ? table.length : end);
}

/** Reads integer fields in the file's byte order. */
class FieldReader {
  constructor(
    private readonly bytes: Buffer,
    private readonly endianness: ElfEndianness,
  ) {}

  u16(offset: number): number {
    return this.endianness === 'little' ? this.bytes.readUInt16LE(offset) : this.bytes.readUInt16BE(offset);
  }

  u32(offset: number): number {
    return this.endianness === 'little' ? this.bytes.readUInt32LE(offset) : this.bytes.readUInt32BE(offset);
  }

  /**
   * An address-sized field (Elf32_Off / Elf64_Off). 64-bit values beyond
   * 2^53 cannot be file positions of a real file; they become NaN, which
   * fitsInFile rejects.
   */
  word(offset: number, bits: 32 | 64): number {
    if (bits === 32) return this.u32(offset);
    const value =
      this.endianness === 'little' ? this.bytes.readBigUInt64LE(offset) : this.bytes.readBigUInt64BE(offset);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.NaN;
  }
}
