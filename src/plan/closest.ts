/** "did you mean …": the known words nearest to a misspelt one. */

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * Up to `count` of `known` nearest to `word`, nearest first; only those
 * within a third of the word's length (at least 2 edits), so that an
 * unrelated word suggests nothing rather than noise.
 */
export function closestWords(word: string, known: readonly string[], count = 3): string[] {
  const limit = Math.max(2, Math.ceil(word.length / 3));
  return known
    .map((candidate) => ({ candidate, d: distance(word, candidate) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}
