// A command's main function run in-process, its output and its error lines captured: shared by the
// tests of the commands.

import { mock } from "node:test";

/** What a command run produced. */
export interface RunResult {
  /** The exit code. */
  code: number;
  /** The lines it printed. */
  out: string[];
  /** What it wrote to stderr, a line per call. */
  err: string[];
}

/**
 * Run a command's main function (`simMain`, `quizMain`, `fuzzMain`, ...) with these arguments.
 *
 * @param main The main function: arguments and a line sink in, the exit code out.
 * @param args The arguments after the command's name.
 * @returns The exit code, the lines it printed, and what it wrote to stderr.
 */
export function runMain(
  main: (args: string[], out: (line: string) => void) => number,
  args: string[],
): RunResult {
  const out: string[] = [];
  const err = mock.method(console, "error", () => {});
  try {
    const code = main(args, (line) => out.push(line));
    return { code, out, err: err.mock.calls.map((c) => String(c.arguments[0])) };
  } finally {
    err.mock.restore();
  }
}

/**
 * {@linkcode runMain} for a main function that returns a promise (`sweepMain`): stderr stays
 * captured until it settles.
 */
export async function runMainAsync(
  main: (args: string[], out: (line: string) => void) => Promise<number>,
  args: string[],
): Promise<RunResult> {
  const out: string[] = [];
  const err = mock.method(console, "error", () => {});
  try {
    const code = await main(args, (line) => out.push(line));
    return { code, out, err: err.mock.calls.map((c) => String(c.arguments[0])) };
  } finally {
    err.mock.restore();
  }
}
