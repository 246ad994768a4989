// Shared by the benches that repeat a run: on a shared machine one run of a
// case varied by up to 1.7x from the next, so a single number said more about
// the neighbours than about flbhost.

/** The run with the median `key`, with every run's value beside it (as `runs_<key>`). */
export function medianByRate(runs, key = 'records_per_sec') {
  const sorted = [...runs].sort((a, b) => a[key] - b[key]);
  return { ...sorted[Math.floor(sorted.length / 2)], [`runs_${key}`]: sorted.map((run) => Math.round(run[key])) };
}

/** The median of plain numbers (the upper one of an even count, as above). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
