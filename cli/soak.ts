/**
 * `deno task soak`: millions of random guest requests against Xen with both fixes, with the
 * invariants checked as it goes.
 *
 * ```sh
 * deno task soak [--requests N] [--seed S] [--json]
 * ```
 *
 * @module
 */

import { parseCommandLine, runCommand, wholeNumber } from "./command.ts";
import { runSoak, type SoakReport } from "../xen/fuzz/soak.ts";

const USAGE = `Usage: deno task soak [options]

  --requests N     how many requests (default 10000000)
  --seed S         the seed of the request stream (default 1)
  --json           print one JSON object with every figure
  --help           this text`;

/**
 * Run the `soak` command.
 *
 * @param args The arguments after `soak`.
 * @param out Where the result goes (standard output by default).
 * @returns The exit code: 0 when every invariant held, 1 when one broke, 2 for a bad command line.
 */
export function soakMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
): number {
  return runCommand("soak", () => run(args, out));
}

function run(args: readonly string[], out: (line: string) => void): number {
  const v = parseCommandLine(args, {
    requests: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  });
  if (v.help) {
    out(USAGE);
    return 0;
  }
  const requests = v.requests === undefined ? 10_000_000 : wholeNumber("requests", v.requests);
  const seed = v.seed === undefined ? 1 : wholeNumber("seed", v.seed);
  const progress = !v.json && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  const report = runSoak({
    requests,
    seed,
    onProgress: progress
      ? (made) => Deno.stderr.writeSync(encoder.encode(`\r${made} requests...`))
      : undefined,
  });
  if (progress) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
  if (v.json) out(JSON.stringify(report, null, 2));
  else printReport(report, out);
  return report.violation === null && report.changedByRefusal === null ? 0 : 1;
}

function printReport(r: SoakReport, out: (line: string) => void): void {
  const pct = (n: number) => `${(100 * n / r.requests).toFixed(1)}%`;
  out(
    `${r.requests} requests on ${r.domains} domains in ${(r.elapsedMs / 1000).toFixed(1)} s ` +
      `(${r.requestsPerSecond} requests/s)`,
  );
  out(
    "kinds: " +
      Object.entries(r.kinds).sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ${pct(n)}`)
        .join(", "),
  );
  out(
    `paths: ${r.paths.done} accepted hypercalls, ${r.paths.refused} refused or faulted, ` +
      `${r.paths.store} plain stores, ${r.paths.emulated} stores emulated (ptwr)`,
  );
  out(
    `checks: ${r.invariantChecks} full invariant checks, ${r.digestChecks} refused requests ` +
      `digest-checked`,
  );
  out(
    `console: ${r.consoleLines} lines, ${r.consoleDropped} fell out of a ring, at most ` +
      `${r.consoleMaxBytes} bytes held (ring 16384)`,
  );
  if (r.violation !== null) out(`BROKEN: ${r.violation}`);
  if (r.changedByRefusal !== null) {
    out(`A refused request changed the state: ${r.changedByRefusal}`);
  }
  if (r.violation === null && r.changedByRefusal === null) out("every invariant held");
}

if (import.meta.main) Deno.exit(soakMain(Deno.args));
