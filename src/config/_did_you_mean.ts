/**
 * "Did you mean" for unknown config keys, sections and flags (D3): the closest candidate by edit
 * distance (insert, delete, substitute, swap two neighbours), if close enough to be a typo.
 * @module
 */

/** Names up to 40 characters are compared; longer ones are never typos of ours. */
const NAME_LENGTH_MAX = 40;

/** Optimal-string-alignment distance between `a` and `b` (both ≤ NAME_LENGTH_MAX). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const distance: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) distance[i * cols] = i;
  for (let j = 0; j < cols; j++) distance[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(distance[(i - 1) * cols + j]! + 1, distance[i * cols + j - 1]! + 1, distance[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, distance[(i - 2) * cols + j - 2]! + 1);
      }
      distance[i * cols + j] = best;
    }
  }
  return distance[rows * cols - 1]!;
}

/**
 * The candidate closest to `name` (first wins a tie), or undefined when none is within
 * 1 edit for names under 5 characters, else 2 edits.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > NAME_LENGTH_MAX) return undefined;
  const distanceMax = name.length < 5 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = distanceMax + 1;
  for (const candidate of candidates) {
    if (candidate.length > NAME_LENGTH_MAX) continue;
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
