import { describe, expect, it } from 'vitest';
import { cpuRecord, parseProcStat } from '../../src/builtin/cpu-input.js';

const before = parseProcStat(['cpu  100 0 50 850 0 0 0 0 0 0', 'cpu0 60 0 20 420 0 0 0 0', 'cpu1 40 0 30 430 0 0 0 0', 'intr 12345'].join('\n'));
const after = parseProcStat(['cpu  160 20 70 950 0 0 0 0 0 0', 'cpu0 120 20 30 430 0 0 0 0', 'cpu1 40 0 40 520 0 0 0 0'].join('\n'));

describe('cpu input (Fluent Bit in_cpu)', () => {
  it('reports user and system percentages over the interval, overall and per core', () => {
    expect(cpuRecord(before, after)).toEqual({
      cpu_p: 50,
      user_p: 40,
      system_p: 10,
      'cpu0.p_cpu': 90,
      'cpu0.p_user': 80,
      'cpu0.p_system': 10,
      'cpu1.p_cpu': 10,
      'cpu1.p_user': 0,
      'cpu1.p_system': 10,
    });
  });

  it('reads the real /proc/stat of this machine', async () => {
    const { readFile } = await import('node:fs/promises');
    const stat = parseProcStat(await readFile('/proc/stat', 'utf8'));
    expect(stat.get('cpu')!.total).toBeGreaterThan(0);
    expect(stat.has('cpu0')).toBe(true);
  });
});
