// The sim command run in-process, its output and its error lines captured: shared by the sim tests.

import { mock } from "node:test";
import { simMain } from "../../cli/sim.ts";

/**
 * Run `sim` with these arguments.
 *
 * @param args The arguments after `sim`.
 * @returns The exit code, the lines it printed, and what it wrote to stderr.
 */
export function runSim(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err = mock.method(console, "error", () => {});
  try {
    const code = simMain(args, (line) => out.push(line));
    return { code, out, err: err.mock.calls.map((c) => String(c.arguments[0])) };
  } finally {
    err.mock.restore();
  }
}
