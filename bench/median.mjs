// Shared by the benches that repeat a run: on a shared machine one run of a
// JS-bound case varied by up to 1.7x from the next, so a single number said
// more about the neighbours than about flbhost.

/** The run with the median records/s, with every run's rate beside it. */
export function medianByRate(runs) {
  const sorted = [...runs].sort((a, b) => a.records_per_sec - b.records_per_sec);
  return { ...sorted[Math.floor(sorted.length / 2)], runs_records_per_sec: sorted.map((run) => Math.round(run.records_per_sec)) };
}
