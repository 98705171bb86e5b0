/**
 * `makeQuiz`: the seeded problems of `deno task quiz`, one kind per part of the book.
 *
 * @module
 */

import type { QuizProblem } from "../mmu/quiz_problem.ts";
import { lookupQuiz, walkQuiz } from "../mmu/quiz_walk.ts";
import { SeededRandom } from "../mmu/seeded_random.ts";
import { typeInfoQuiz, xenQuiz } from "../xen/hypervisor/quiz_xen.ts";
import { outcomeQuiz, windowQuiz } from "./quiz_boot.ts";

/** The kinds of quiz problem, each with the generator that makes it. */
export const QUIZ_KINDS: Readonly<Record<string, (rng: SeededRandom) => QuizProblem>> = {
  walk: walkQuiz,
  lookup: lookupQuiz,
  type_info: typeInfoQuiz,
  xen: xenQuiz,
  window: windowQuiz,
  outcome: outcomeQuiz,
};

/**
 * Make `count` problems of one kind from a seed. Problem `i` depends only on the seed and `i`:
 * the same seed gives the same problems on every machine, and `--count 3` begins with the
 * problem `--count 1` gives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeQuiz } from "@xenmmu/book";
 * const [a] = makeQuiz("type_info", 42, 1);
 * const [b] = makeQuiz("type_info", 42, 2);
 * assert.deepEqual(a, b);
 * ```
 *
 * @param kind One of {@linkcode QUIZ_KINDS}.
 * @param seed A whole number.
 * @param count How many problems, at least 1.
 * @returns The problems.
 * @throws {RangeError} For an unknown kind, a seed that is not a whole number or a bad count.
 */
export function makeQuiz(kind: string, seed: number, count: number): QuizProblem[] {
  if (!Object.hasOwn(QUIZ_KINDS, kind)) {
    throw new RangeError(
      `Quiz kind "${kind}" is not one of: ${Object.keys(QUIZ_KINDS).join(", ")}`,
    );
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Seed ${seed} is not a whole number >= 0`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new RangeError(`Count ${count} is not a whole number from 1 to 1000`);
  }
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => QUIZ_KINDS[kind](rng));
}
