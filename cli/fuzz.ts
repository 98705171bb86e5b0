/**
 * `deno task fuzz`: hunt XSA-148 or XSA-182 with random guest requests.
 *
 * ```sh
 * deno task fuzz --xsa 182|148 --mode vulnerable|fixed --seed N [--requests R] [--json]
 * ```
 *
 * @module
 */

import { parseCommandLine, runCommand, UsageError, wholeNumber } from "./command.ts";
import { formatGuestRequest } from "../xen/fuzz/guest_request.ts";
import { type FuzzResult, fuzzXsa } from "../xen/fuzz/fuzz_xsa.ts";

const USAGE = `Usage: deno task fuzz --xsa 182|148 --mode vulnerable|fixed --seed N [options]

  --xsa N          the hole to hunt: 182 (a linear entry made writable by the fast path) or
                   148 (PSE set on a live L2 entry by the fast path)
  --mode M         vulnerable (Xen 4.1.0 without the fix) or fixed (with the advisory's patch)
  --seed N         fast-check's seed: the same seed finds the same sequence
  --requests R     give up after R requests (default 20000)
  --json           print one JSON object (xsa, mode, seed, found, requests, sequence, violation)
  --help           this text`;

/**
 * Run the `fuzz` command.
 *
 * @param args The arguments after `fuzz`.
 * @param out Where the result goes (standard output by default).
 * @returns The exit code: 0 when the run finished (found or not), 2 for a bad command line.
 */
export function fuzzMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
): number {
  return runCommand("fuzz", () => run(args, out));
}

function run(args: readonly string[], out: (line: string) => void): number {
  const v = parseCommandLine(args, {
    xsa: { type: "string" },
    mode: { type: "string" },
    seed: { type: "string" },
    requests: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  });
  if (v.help) {
    out(USAGE);
    return 0;
  }
  if (v.xsa !== "182" && v.xsa !== "148") {
    throw new UsageError(
      v.xsa === undefined ? "--xsa is required (182 or 148)" : `--xsa "${v.xsa}" is not 182 or 148`,
    );
  }
  if (v.mode !== "vulnerable" && v.mode !== "fixed") {
    throw new UsageError(
      v.mode === undefined
        ? "--mode is required (vulnerable or fixed)"
        : `--mode "${v.mode}" is not vulnerable or fixed`,
    );
  }
  if (v.seed === undefined) throw new UsageError("--seed is required (a whole number)");
  const result = fuzzXsa({
    xsa: v.xsa === "182" ? 182 : 148,
    mode: v.mode,
    seed: wholeNumber("seed", v.seed),
    requests: v.requests === undefined ? undefined : wholeNumber("requests", v.requests),
  });
  if (v.json) out(JSON.stringify(toJson(result), null, 2));
  else printResult(result, out);
  return 0;
}

/** The JSON object of `--json`. */
function toJson(r: FuzzResult): unknown {
  return {
    xsa: r.xsa,
    mode: r.mode,
    seed: r.seed,
    found: r.found,
    requests: r.requests,
    sequence: r.sequence,
    violation: r.violation === null
      ? null
      : { rule: r.violation.rule, message: r.violation.message },
  };
}

function printResult(r: FuzzResult, out: (line: string) => void): void {
  const xen = `XSA-${r.xsa}, ${r.mode} Xen, seed ${r.seed}`;
  if (!r.found) {
    out(`${xen}: nothing found in ${r.requests} requests; every invariant held`);
    return;
  }
  out(`${xen}: invariant broken after ${r.requests} requests; shrunk to ${r.sequence.length}:`);
  r.sequence.forEach((q, i) => out(`  ${i + 1}. ${formatGuestRequest(q)}`));
  out(r.violation?.message ?? "");
}

if (import.meta.main) Deno.exit(fuzzMain(Deno.args));
