/**
 * The shape every quiz generator returns: the question as people read it, the answer computed by
 * the model, and both as data for an autograder.
 *
 * @module
 */

/** One generated problem. */
export interface QuizProblem {
  /** The kind of problem (`walk`, `lookup`, `type_info`, `xen`, `window`, `outcome`). */
  readonly kind: string;
  /** The question, as lines of text. */
  readonly question: readonly string[];
  /** The answer, as lines of text. */
  readonly answer: readonly string[];
  /** The problem as data (what the question shows). */
  readonly problem: Readonly<Record<string, unknown>>;
  /** The answer as data (what an autograder compares). */
  readonly solution: Readonly<Record<string, unknown>>;
}

/**
 * A number as the quizzes print addresses and frames: `0x` and lower-case hex. (Internal to the
 * quiz generators; not re-exported.)
 *
 * @param n A whole number.
 * @returns Its hex spelling.
 */
export function hex(n: number): string {
  return "0x" + n.toString(16);
}
