import { describe, expect, it } from 'vitest';
import { benchFailures } from '../../bench/check-targets.mjs';

// `npm run bench:check` passes only when every part of the report ran and
// every target was met. A report shaped like bench/run.mjs's, all passing:
function passingReport() {
  return {
    scale: 1,
    flush: {
      results: [],
      targets: {
        host_overhead_under_5us_per_flush: { target_us: 5, measured_us: 3.2, met: true },
        within_10_percent_of_direct_for_10000_records: { target_ratio: 1.1, measured_ratio: 1.04, met: true },
      },
    },
    input: {
      go_input_decoded: { records_per_sec: 2e6 },
      targets: { raw_path_at_least_1gb_per_sec: { target_bytes_per_sec: 1e9, measured: 1.2e9, met: true } },
    },
    pipeline: {
      lib_to_go_output: { flbhost: { records_per_sec: 1e6 } },
      targets: {
        lib_to_c_at_least_1m_records_per_sec: {
          target: 1e6,
          flat_pino_default_record: { measured: 1.3e6, met: true },
          nested_pino_http_record: { measured: 1.1e6, met: true },
          met: true,
        },
      },
    },
    json_stdin: {
      native: { marginal_records_per_sec: 7e5 },
      targets: { native_at_least_2x_js: { target: 2, measured: 3.1, wall_ratio: 2.3, met: true } },
    },
    isolation: {
      command: { isolated_ratio: 0.95 },
      targets: { isolated_at_least_0_9x_in_process: { target: 0.9, measured: 0.95, met: true } },
    },
    pino: {
      transport: { delivered_records_per_sec: 2e5 },
      targets: {
        transport_keeps_up_with_pino: { target_ratio: 0.9, measured_ratio: 0.97, met: true },
        main_thread_cpu_at_most_1_1x: { target_ratio: 1.1, measured_ratio: 0.7, met: true },
      },
    },
    storage: {
      flbhost_filesystem: { marginal_records_per_sec: 2e5, runs_bytes_left_on_disk: [0, 0, 0] },
      targets: {
        filesystem_at_least_0_7x_memory: { target: 0.7, measured: 0.85, wall_ratio: 0.9, met: true } as Record<string, unknown>,
        ahead_of_fluent_bit_with_filesystem: { target: 1, measured: 1.3, wall_ratio: 1.5, met: true } as Record<string, unknown>,
      },
    },
    versus_fluent_bit: {
      fluent_bit: 'Fluent Bit v4.0.0',
      cases: { workers_1: { flbhost_speedup_wall: 1.4 } },
      targets: { ahead_1_3x_at_2_workers: { target: 1.3, measured: 1.35, wall_ratio: 1.4, met: true } as Record<string, unknown> },
    },
  };
}

describe('bench check', () => {
  it('passes a full-scale report where everything ran and every target was met', () => {
    expect(benchFailures(passingReport())).toEqual([]);
  });

  it("judges the comparison's own target and the JSON target", () => {
    const report = passingReport();
    report.versus_fluent_bit.targets.ahead_1_3x_at_2_workers = { target: 1.3, measured: 0.93, wall_ratio: 1.05, met: false };
    report.json_stdin.targets.native_at_least_2x_js = { target: 2, measured: 1.5, wall_ratio: 1.4, met: false };
    expect(benchFailures(report)).toEqual([
      'json_stdin.native_at_least_2x_js: not met (target 2, measured 1.5, wall_ratio 1.4)',
      'versus_fluent_bit.ahead_1_3x_at_2_workers: not met (target 1.3, measured 0.93, wall_ratio 1.05)',
    ]);
  });

  it('names each target not met, with its figures', () => {
    const report = passingReport();
    report.flush.targets.within_10_percent_of_direct_for_10000_records = { target_ratio: 1.1, measured_ratio: 1.2968, met: false };
    report.pipeline.targets.lib_to_c_at_least_1m_records_per_sec.nested_pino_http_record = { measured: 812_345, met: false };
    report.pipeline.targets.lib_to_c_at_least_1m_records_per_sec.met = false;
    expect(benchFailures(report)).toEqual([
      'flush.within_10_percent_of_direct_for_10000_records: not met (target_ratio 1.1, measured_ratio 1.3)',
      'pipeline.lib_to_c_at_least_1m_records_per_sec: not met (target 1000000, flat_pino_default_record {measured 1300000}, nested_pino_http_record {measured 812000, not met})',
    ]);
  });

  it('fails a report with a skipped or failed part, or a part without targets', () => {
    const base = passingReport();
    const report = {
      ...base,
      flush: undefined,
      input: { ...base.input, go_input_decoded: { skipped: 'Go fixture unavailable: no go' } },
      pipeline: { ...base.pipeline, lib_to_go_output: { error: 'exited with 1' } },
    };
    expect(benchFailures(report)).toEqual([
      'flush: no targets in the report (the benchmark did not run)',
      'input.go_input_decoded: skipped (Go fixture unavailable: no go)',
      'pipeline.lib_to_go_output: failed (exited with 1)',
    ]);
  });

  it('fails without a Fluent Bit comparison unless it was left out on request', () => {
    const missing = { ...passingReport(), versus_fluent_bit: { skipped: 'no Fluent Bit binary' } };
    expect(benchFailures(missing)).toEqual([
      'versus_fluent_bit: skipped (no Fluent Bit binary); set FLUENT_BIT_BIN=/path/to/fluent-bit, or FLUENT_BIT_BIN=none to leave the comparison out on purpose',
    ]);
    const failed = { ...passingReport(), versus_fluent_bit: { error: 'flbhost (workers 1) delivered 9 of 10 records' } };
    expect(benchFailures(failed)).toEqual(['versus_fluent_bit: failed (flbhost (workers 1) delivered 9 of 10 records)']);
    const leftOut = { ...passingReport(), versus_fluent_bit: { skipped: 'FLUENT_BIT_BIN=none: left out on request', left_out: true } };
    expect(benchFailures(leftOut)).toEqual([]);
  });

  it("fails without storage's target against Fluent Bit unless it was left out on request", () => {
    const withTarget = (target?: Record<string, unknown>) => {
      const report = passingReport();
      if (target) report.storage.targets.ahead_of_fluent_bit_with_filesystem = target;
      else delete (report.storage.targets as Record<string, unknown>).ahead_of_fluent_bit_with_filesystem;
      return report;
    };
    expect(benchFailures(withTarget({ skipped: 'no Fluent Bit binary' }))).toEqual([
      'storage.targets.ahead_of_fluent_bit_with_filesystem: skipped (no Fluent Bit binary); set FLUENT_BIT_BIN=/path/to/fluent-bit, or FLUENT_BIT_BIN=none to leave the comparison out on purpose',
    ]);
    expect(benchFailures(withTarget({ error: 'FLUENT_BIT_BIN=/nope: no such file' }))).toEqual([
      'storage.targets.ahead_of_fluent_bit_with_filesystem: failed (FLUENT_BIT_BIN=/nope: no such file)',
    ]);
    expect(benchFailures(withTarget())).toEqual(['storage.targets.ahead_of_fluent_bit_with_filesystem: missing from the report']);
    expect(benchFailures(withTarget({ skipped: 'FLUENT_BIT_BIN=none: left out on request', left_out: true }))).toEqual([]);
    expect(benchFailures(withTarget({ target: 1, measured: 0.8, wall_ratio: 1.2, met: false }))).toEqual([
      'storage.ahead_of_fluent_bit_with_filesystem: not met (target 1, measured 0.8, wall_ratio 1.2)',
    ]);
  });

  it('fails a report not run at full scale, whatever its targets say', () => {
    expect(benchFailures({ ...passingReport(), scale: 0.05 })).toEqual([
      'scale: the report ran at FLBHOST_BENCH_SCALE=0.05; targets are judged on full runs only',
    ]);
  });
});
