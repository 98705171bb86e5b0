/**
 * The exhaustive sweep: one boot per size over a range of whole MiB, each reduced to its
 * outcome's mechanism and the first page the failure names, and the results folded into runs of
 * equal outcome. Browser-safe: `deno task sweep` (cli/sweep.ts) spreads the boots over workers
 * and prints these runs; chapter 13 calls the same functions.
 *
 * @module
 */

import { boot, type BootResult } from "./boot.ts";
import { failureMechanism } from "./outcome_table.ts";

const MiB = 2 ** 20;

/** One boot of a sweep. */
export interface SweepPoint {
  /** The domain's memory, in MiB. */
  readonly mib: number;
  /** `ok`, or the mechanism's letter (see {@linkcode failureMechanism}). */
  readonly mechanism: string;
  /** The first page the failure names (see {@linkcode failingPfn}), or null. */
  readonly pfn: number | null;
}

/** A run of consecutive sizes of a sweep with the same mechanism. */
export interface SweepRun {
  /** Its first size, in MiB. */
  readonly from: number;
  /** Its last size, in MiB. */
  readonly to: number;
  /** How many sizes of the sweep it holds. */
  readonly count: number;
  /** `ok` or the mechanism's letter. */
  readonly mechanism: string;
  /** The failing pfn at its first size, or null for `ok`. */
  readonly firstPfn: number | null;
  /** The failing pfn at its last size, or null for `ok`. */
  readonly lastPfn: number | null;
}

/**
 * The first page a failed boot names: the pfn of the first `(pfn N)` on Xen's console (the page
 * whose type or mapping Xen refused first), or, when Xen said nothing, the page that really
 * faulted (the boot's `fault` record: the oops itself may say `(null)`, chapter 8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boot, failingPfn } from "@xenmmu/book";
 * assert.equal(failingPfn(boot({ kernel: "2.6.39", memory: 2 ** 30 })), null);
 * assert.equal(failingPfn(boot({ kernel: "2.6.39-rc1", memory: 2 ** 30 })), 0x1601);
 * assert.equal(failingPfn(boot({ kernel: "2.6.39-rc-top", memory: 2 ** 30 })), 0x3ffff);
 * ```
 *
 * @param r A boot's result.
 * @returns The pfn, or null for a boot that succeeded or names no page.
 */
export function failingPfn(r: BootResult): number | null {
  if (r.outcome === "ok") return null;
  for (const line of r.xen_log) {
    const m = /\(pfn ([0-9a-f]+)\)/.exec(line);
    if (m !== null) return parseInt(m[1], 16);
  }
  return r.fault?.pfn ?? null;
}

/**
 * Boot one size of a sweep.
 *
 * @param kernel A profile id.
 * @param mib The memory in MiB.
 * @param hypervisor `xen` or `native`.
 * @returns Its point.
 */
export function sweepPoint(kernel: string, mib: number, hypervisor: "xen" | "native"): SweepPoint {
  const r = boot({ kernel, memory: mib * MiB, hypervisor });
  return { mib, mechanism: failureMechanism(r), pfn: failingPfn(r) };
}

/**
 * The sizes of a sweep, checked: whole MiB, `from <= to`, a whole positive step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepSizes } from "@xenmmu/book";
 * assert.deepEqual(sweepSizes(2 ** 30, 2 ** 30 + 5 * 2 ** 20, 2 * 2 ** 20), [1024, 1026, 1028]);
 * assert.throws(() => sweepSizes(2 ** 30, 2 ** 29, 2 ** 20), /--from 1024 MiB is above --to/);
 * ```
 *
 * @param from The first size, in bytes.
 * @param to The last size, in bytes (included when a whole number of steps from `from`).
 * @param step The step, in bytes.
 * @returns The sizes, in MiB.
 * @throws {RangeError} Naming the value and the rule, for a size or step that is not whole MiB,
 * a step of zero, or `from` above `to`.
 */
export function sweepSizes(from: number, to: number, step: number): number[] {
  for (const [name, bytes] of [["--from", from], ["--to", to], ["--step", step]] as const) {
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % MiB !== 0) {
      throw new RangeError(
        `${name} ${bytes} bytes is not a whole number of MiB: a toolstack gives a domain whole MiB`,
      );
    }
  }
  if (from > to) {
    throw new RangeError(`--from ${from / MiB} MiB is above --to ${to / MiB} MiB`);
  }
  const sizes: number[] = [];
  for (let mib = from / MiB; mib <= to / MiB; mib += step / MiB) sizes.push(mib);
  return sizes;
}

/**
 * Fold a sweep's points, in size order, into runs of equal mechanism.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepRuns } from "@xenmmu/book";
 * const runs = sweepRuns([
 *   { mib: 1, mechanism: "ok", pfn: null },
 *   { mib: 2, mechanism: "P", pfn: 5 },
 *   { mib: 3, mechanism: "P", pfn: 7 },
 * ]);
 * assert.deepEqual(runs.map((r) => [r.from, r.to, r.mechanism, r.firstPfn]), [
 *   [1, 1, "ok", null],
 *   [2, 3, "P", 5],
 * ]);
 * ```
 *
 * @param points The boots, in increasing size.
 * @returns The runs, in increasing size.
 */
export function sweepRuns(points: readonly SweepPoint[]): SweepRun[] {
  const runs: SweepRun[] = [];
  let i = 0;
  while (i < points.length) {
    let j = i;
    while (j + 1 < points.length && points[j + 1].mechanism === points[i].mechanism) j++;
    runs.push({
      from: points[i].mib,
      to: points[j].mib,
      count: j - i + 1,
      mechanism: points[i].mechanism,
      firstPfn: points[i].pfn,
      lastPfn: points[j].pfn,
    });
    i = j + 1;
  }
  return runs;
}

/**
 * One run as `deno task sweep` prints it: `4000–4050 MiB ok`, or `4609 MiB P pfn 0x11f7f3`; a
 * failing run shows the pfn at its first size, and at its last when that differs.
 *
 * @param run A run.
 * @returns The line.
 */
export function formatSweepRun(run: SweepRun): string {
  const sizes = run.from === run.to ? `${run.from} MiB` : `${run.from}–${run.to} MiB`;
  if (run.mechanism === "ok") return `${sizes} ok`;
  const hex = (n: number | null) => (n === null ? "?" : "0x" + n.toString(16));
  const pfns = run.firstPfn === run.lastPfn
    ? hex(run.firstPfn)
    : `${hex(run.firstPfn)}…${hex(run.lastPfn)}`;
  return `${sizes} ${run.mechanism} pfn ${pfns}`;
}

/**
 * Sweep a range on one thread (the command spreads the same boots over workers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSweepRun, sweep } from "@xenmmu/book";
 * const runs = sweep("published-range", 4104 * 2 ** 20, 4105 * 2 ** 20, 2 ** 20);
 * assert.deepEqual(runs.map(formatSweepRun), ["4104 MiB ok", "4105 MiB P pfn 0x1000f3"]);
 * ```
 *
 * @param kernel A profile id.
 * @param from The first size, in bytes.
 * @param to The last size, in bytes.
 * @param step The step, in bytes.
 * @param hypervisor `xen` (default) or `native`.
 * @returns The runs.
 */
export function sweep(
  kernel: string,
  from: number,
  to: number,
  step: number,
  hypervisor: "xen" | "native" = "xen",
): SweepRun[] {
  return sweepRuns(sweepSizes(from, to, step).map((mib) => sweepPoint(kernel, mib, hypervisor)));
}
