import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { elfArchName, hostElfMachine, readElfInfo, type Elf } from '../../src/proxy/elf.js';
import {
  GO_BUILDINFO_SECTION,
  parseGoBuildInfo,
  readGoBuildInfo,
  unquoteGoString,
} from '../../src/proxy/go-buildinfo.js';

const run = promisify(execFile);
const goFixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'go');

// A cold c-shared build compiles the Go runtime with cgo: about 20 s on two cores.
const GO_BUILD_TIMEOUT_MS = 240_000;

let workDir: string;
let pluginPath: string;

/**
 * The gjsonl fixture as a .so: the one test/global-setup.ts built, or, when
 * this file runs without that setup, a fresh build into the temp dir.
 */
async function gjsonlPlugin(): Promise<string> {
  const provided = inject('goPlugins') as Record<string, string> | undefined;
  const prebuilt = provided?.['out_gjsonl'];
  if (prebuilt) return prebuilt;
  const output = join(workDir, 'out_gjsonl.so');
  await run('go', ['build', '-buildmode=c-shared', '-buildvcs=false', '-o', output, './out_gjsonl'], {
    cwd: goFixturesDir,
    env: { ...process.env, CGO_ENABLED: '1' },
  });
  return output;
}

/** The fluent-bit-go version go.mod pins, i.e. what the plugin must report. */
async function pinnedFluentBitGoVersion(): Promise<string> {
  const goMod = await readFile(join(goFixturesDir, 'go.mod'), 'utf8');
  const match = /github\.com\/fluent\/fluent-bit-go (\S+)/.exec(goMod);
  if (!match?.[1]) throw new Error('go.mod does not require github.com/fluent/fluent-bit-go');
  return match[1];
}

/** Copies the plugin with e_machine (offset 18, file byte order) overwritten. */
async function copyWithMachine(machine: number, name: string): Promise<string> {
  const copy = join(workDir, name);
  await copyFile(pluginPath, copy);
  const info = await readElfInfo(copy);
  if (!info.isElf) throw new Error('fixture is not ELF');
  const field = Buffer.alloc(2);
  if (info.endianness === 'little') field.writeUInt16LE(machine);
  else field.writeUInt16BE(machine);
  const file = await open(copy, 'r+');
  try {
    await file.write(field, 0, 2, 18);
  } finally {
    await file.close();
  }
  return copy;
}

async function readElf(path: string): Promise<Elf> {
  const info = await readElfInfo(path);
  if (!info.isElf) throw new Error(`${path} is not ELF: ${info.reason}`);
  return info;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'flbhost-elf-'));
  pluginPath = await gjsonlPlugin();
}, GO_BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('readElfInfo on a Go c-shared plugin', () => {
  it('reports a 64-bit shared object for this machine', async () => {
    const elf = await readElf(pluginPath);
    expect(elf.bits).toBe(64);
    expect(elf.typeName).toBe('ET_DYN');
    expect(elf.type).toBe(3);
    expect(elf.machine).toBe(hostElfMachine());
    expect(elf.arch).toBe(process.arch);
    expect(elf.endianness).toBe(process.arch === 's390x' ? 'big' : 'little');
    expect(elf.problem).toBeUndefined();
  });

  it('lists named sections and reads one by name', async () => {
    const elf = await readElf(pluginPath);
    const names = elf.sections.map((s) => s.name);
    expect(names).toContain('.text');
    expect(names).toContain(GO_BUILDINFO_SECTION);
    const bytes = await elf.readSection(GO_BUILDINFO_SECTION);
    expect(bytes?.subarray(0, 14).toString('latin1')).toBe('\xff Go buildinf:');
  });

  it('returns null for a missing section and for one without file bytes', async () => {
    const elf = await readElf(pluginPath);
    expect(await elf.readSection('.no-such-section')).toBeNull();
    expect(elf.sections.find((s) => s.name === '.bss')?.type).toBe(8); // SHT_NOBITS
    expect(await elf.readSection('.bss')).toBeNull();
  });

  it('names a patched AArch64 machine arm64', async () => {
    const elf = await readElf(await copyWithMachine(183, 'as-arm64.so'));
    expect(elf.machine).toBe(183);
    expect(elf.arch).toBe('arm64');
  });

  it('names an unknown machine by number', async () => {
    const elf = await readElf(await copyWithMachine(9999, 'as-unknown.so'));
    expect(elf.arch).toBe('unknown(9999)');
  });

  it('still reports the header of a truncated file, with a problem', async () => {
    const truncated = join(workDir, 'truncated.so');
    await writeFile(truncated, (await readFile(pluginPath)).subarray(0, 64));
    const elf = await readElf(truncated);
    expect(elf.machine).toBe(hostElfMachine());
    expect(elf.sections).toEqual([]);
    expect(elf.problem).toMatch(/outside the file/);
    expect(await elf.readSection(GO_BUILDINFO_SECTION)).toBeNull();
  });
});

describe('readElfInfo on other files', () => {
  it('says a text file is not ELF', async () => {
    const text = join(workDir, 'notes.txt');
    await writeFile(text, 'just some text, definitely not a shared object\n');
    const info = await readElfInfo(text);
    expect(info.isElf).toBe(false);
  });

  it('says an empty file and a bare magic number are not ELF', async () => {
    const empty = join(workDir, 'empty.so');
    await writeFile(empty, '');
    expect((await readElfInfo(empty)).isElf).toBe(false);

    const magicOnly = join(workDir, 'magic-only.so');
    await writeFile(magicOnly, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    const info = await readElfInfo(magicOnly);
    expect(info.isElf).toBe(false);
    expect(info.isElf ? '' : info.reason).toMatch(/truncated/);
  });

  it('rejects with the I/O error code for a missing file', async () => {
    await expect(readElfInfo(join(workDir, 'missing.so'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('hostElfMachine and elfArchName', () => {
  it('maps Node arch names to e_machine', () => {
    expect(hostElfMachine('x64')).toBe(62);
    expect(hostElfMachine('arm64')).toBe(183);
    expect(hostElfMachine('arm')).toBe(40);
    expect(hostElfMachine('ia32')).toBe(3);
    expect(hostElfMachine('riscv64')).toBe(243);
    expect(hostElfMachine('ppc64')).toBe(21);
    expect(hostElfMachine('s390x')).toBe(22);
    expect(hostElfMachine('loong64')).toBe(258);
    expect(hostElfMachine('sparc')).toBeNull();
  });

  it('round-trips every known arch', () => {
    for (const arch of ['x64', 'arm64', 'arm', 'ia32', 'riscv64', 'ppc64', 's390x', 'loong64']) {
      const machine = hostElfMachine(arch);
      const bits = ['arm', 'ia32'].includes(arch) ? 32 : 64;
      const endianness = arch === 's390x' ? 'big' : 'little';
      expect(machine === null ? null : elfArchName(machine, bits, endianness)).toBe(arch);
    }
  });
});

describe('readGoBuildInfo on the plugin', () => {
  it('reports the Go version, main module and the fluent-bit-go dependency', async () => {
    const info = await readGoBuildInfo(pluginPath);
    expect(info).not.toBeNull();
    expect(info?.format).toBe('inline-strings');
    expect(info?.goVersion).toMatch(/^go1\.\d+/);
    expect(info?.path).toBe('flbhost.test/goplugins/out_gjsonl');
    expect(info?.main?.path).toBe('flbhost.test/goplugins');
    const fluentBitGo = info?.deps.find((d) => d.path === 'github.com/fluent/fluent-bit-go');
    expect(fluentBitGo?.version).toBe(await pinnedFluentBitGoVersion());
    expect(fluentBitGo?.sum).toMatch(/^h1:/);
    expect(info?.settings['-buildmode']).toBe('c-shared');
    expect(info?.settings['CGO_ENABLED']).toBe('1');
  });

  it('matches the toolchain that built it', async () => {
    const { stdout } = await run('go', ['env', 'GOVERSION']);
    expect((await readGoBuildInfo(pluginPath))?.goVersion).toBe(stdout.trim());
  });

  it('is null for ELF files that are not Go and for non-ELF files', async () => {
    expect(await readGoBuildInfo(process.execPath)).toBeNull(); // node itself: ELF, not Go
    const text = join(workDir, 'plain.txt');
    await writeFile(text, 'hello');
    expect(await readGoBuildInfo(text)).toBeNull();
  });
});

describe('parseGoBuildInfo on hand-made sections', () => {
  function uvarint(value: number): Buffer {
    const bytes: number[] = [];
    while (value >= 0x80) {
      bytes.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    bytes.push(value);
    return Buffer.from(bytes);
  }

  function header(flags: number): Buffer {
    const bytes = Buffer.alloc(32);
    bytes.write('\xff Go buildinf:', 0, 'latin1');
    bytes[14] = 8; // pointer size
    bytes[15] = flags;
    return bytes;
  }

  function section(version: string, modinfoText: string, sentinels = true): Buffer {
    const text = Buffer.from(modinfoText, 'utf8');
    const modinfo = sentinels ? Buffer.concat([Buffer.alloc(16, 0xa5), text, Buffer.alloc(16, 0x5a)]) : text;
    const versionBytes = Buffer.from(version, 'utf8');
    return Buffer.concat([header(0x2), uvarint(versionBytes.length), versionBytes, uvarint(modinfo.length), modinfo]);
  }

  const modinfo = [
    'path\texample.com/plugin',
    'mod\texample.com/plugin\tv1.2.3\th1:main=',
    'dep\tgithub.com/fluent/fluent-bit-go\tv0.0.0-20230731091245-a7a013e2473c\th1:abc=',
    'dep\texample.com/forked\tv1.0.0',
    '=>\t../forked\t(devel)\t',
    'build\t-buildmode=c-shared',
    'build\t-ldflags="-s -w -X \'main.v=a\\"b\'"',
    'build\t"we\\tird=key"=value with = sign',
    'build\tvcs.modified=true',
    'future\tline kinds are ignored',
    '',
  ].join('\n');

  it('parses modules, replacements and quoted build settings', () => {
    const info = parseGoBuildInfo(section('go1.99.1 X:boringcrypto', modinfo));
    expect(info).toEqual({
      format: 'inline-strings',
      goVersion: 'go1.99.1 X:boringcrypto',
      path: 'example.com/plugin',
      main: { path: 'example.com/plugin', version: 'v1.2.3', sum: 'h1:main=' },
      deps: [
        { path: 'github.com/fluent/fluent-bit-go', version: 'v0.0.0-20230731091245-a7a013e2473c', sum: 'h1:abc=' },
        { path: 'example.com/forked', version: 'v1.0.0', replace: { path: '../forked', version: '(devel)' } },
      ],
      settings: {
        '-buildmode': 'c-shared',
        '-ldflags': '-s -w -X \'main.v=a"b\'',
        'we\tird=key': 'value with = sign',
        'vcs.modified': 'true',
      },
    });
  });

  it('handles module info without sentinels and long (multi-byte uvarint) strings', () => {
    const longPath = `example.com/${'x'.repeat(300)}`;
    const info = parseGoBuildInfo(section('go1.22.5', `path\t${longPath}\n`, false));
    expect(info?.path).toBe(longPath);
    expect(info?.main).toBeNull();
    expect(info?.deps).toEqual([]);
  });

  it('finds a header that starts at a later 16-byte boundary', () => {
    const shifted = Buffer.concat([Buffer.alloc(16), section('go1.23.0', modinfo)]);
    expect(parseGoBuildInfo(shifted)?.goVersion).toBe('go1.23.0');
  });

  it('recognises the pre-1.18 pointer format without parsing it', () => {
    const info = parseGoBuildInfo(Buffer.concat([header(0x0), Buffer.alloc(32)]));
    expect(info).toEqual({ format: 'pointer-strings', goVersion: null, path: null, main: null, deps: [], settings: {} });
  });

  it('is null without the magic or with truncated strings', () => {
    expect(parseGoBuildInfo(Buffer.alloc(64))).toBeNull();
    expect(parseGoBuildInfo(Buffer.alloc(0))).toBeNull();
    const whole = section('go1.22.5', modinfo);
    expect(parseGoBuildInfo(whole.subarray(0, whole.length - 1))).toBeNull();
    expect(parseGoBuildInfo(Buffer.concat([header(0x2), Buffer.from([0xff])]))).toBeNull();
  });
});

describe('unquoteGoString', () => {
  it('decodes Go escapes, including raw bytes that form UTF-8', () => {
    expect(unquoteGoString('"plain"')).toBe('plain');
    expect(unquoteGoString('"a\\tb\\n\\"q\\"\\\\"')).toBe('a\tb\n"q"\\');
    expect(unquoteGoString('"\\xc3\\xa9\\u00e9\\U0001F600\\101"')).toBe('éé\u{1F600}A');
    expect(unquoteGoString('"日本"')).toBe('日本');
  });

  it('rejects malformed literals', () => {
    expect(unquoteGoString('plain')).toBeNull();
    expect(unquoteGoString('"unterminated')).toBeNull();
    expect(unquoteGoString('"bad \\q escape"')).toBeNull();
    expect(unquoteGoString('"short \\x4"')).toBeNull();
    expect(unquoteGoString('"inner " quote"')).toBeNull();
  });
});
