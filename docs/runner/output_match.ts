/**
 * Comparison of a chapter's `output` fence with what its TypeScript fence printed.
 *
 * @module
 */

/** The mask that matches any run of characters (possibly none) within one line (mdBook style). */
export const OUTPUT_MASK = "[..]";

/**
 * Tells whether an actual line matches an expected line, where each `[..]` in the expected line
 * matches any run of characters (possibly empty). Everything else must match exactly.
 *
 * @example Masks stand for volatile parts
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(lineMatches("took [..] ms", "took 12.5 ms"), true);
 * assert.equal(lineMatches("took [..] ms", "took 12.5 s"), false);
 * assert.equal(lineMatches("exact", "exact "), false);
 * ```
 *
 * @param expected The line of the output fence, possibly with `[..]` masks.
 * @param actual The line that was printed.
 * @returns Whether the printed line matches.
 */
export function lineMatches(expected: string, actual: string): boolean {
  const parts = expected.split(OUTPUT_MASK);
  if (parts.length === 1) return expected === actual;
  const head = parts[0];
  const tail = parts[parts.length - 1];
  if (head.length + tail.length > actual.length) return false;
  if (!actual.startsWith(head) || !actual.endsWith(tail)) return false;
  // With only "match anything" wildcards, taking the leftmost occurrence of each middle part is
  // never worse than any other choice, so a single greedy pass decides the match.
  let from = head.length;
  const end = actual.length - tail.length;
  for (const part of parts.slice(1, -1)) {
    const at = actual.indexOf(part, from);
    if (at === -1 || at + part.length > end) return false;
    from = at + part.length;
  }
  return true;
}

/**
 * Finds the first line where the printed output differs from the expected output.
 *
 * A mask never spans lines: the two must have the same number of lines. When one runs out before
 * the other, the index returned is the length of the shorter one.
 *
 * @example A missing line is reported at the index where it was expected
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(outputMatch(["a", "b[..]"], ["a", "b 1"]), -1);
 * assert.equal(outputMatch(["a", "b"], ["a", "c"]), 1);
 * assert.equal(outputMatch(["a", "b"], ["a"]), 1);
 * assert.equal(outputMatch(["[..]"], ["a", "b"]), 1);
 * ```
 *
 * @param expected The lines of the output fence.
 * @param actual The printed lines.
 * @returns The index of the first differing line, or -1 when the output matches.
 */
export function outputMatch(expected: readonly string[], actual: readonly string[]): number {
  const common = Math.min(expected.length, actual.length);
  for (let i = 0; i < common; i++) {
    if (!lineMatches(expected[i], actual[i])) return i;
  }
  return expected.length === actual.length ? -1 : common;
}
