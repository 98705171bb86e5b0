/**
 * `parseStopAt`: the event filter of `sim --stop-at EVENT[:pfn]` and of a scenario step's `until`.
 *
 * @module
 */

import type { BootEvent } from "./kernel.ts";

/** The kinds of boot event, as `--trace`, `--stop-at` and `until` name them. */
export const EVENT_KINDS: readonly BootEvent["kind"][] = [
  "printk",
  "init_memory_mapping",
  "alloc_low_page",
  "map_low_page",
  "pv_alloc",
  "hypercall",
  "reserve",
  "early_alloc",
  "chunk",
];

/** The kinds whose events carry a pfn, so `KIND:pfn` can name one. */
const PFN_KINDS = new Set(["alloc_low_page", "map_low_page", "pv_alloc", "early_alloc"]);

/**
 * Read a pfn as people write it: decimal, or hex with `0x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePfn } from "@xenmmu/book";
 * assert.equal(parsePfn("0x3fe05", 0x40000), 0x3fe05);
 * assert.throws(() => parsePfn("0x40000", 0x40000), /outside the machine's 0x40000 pages/);
 * ```
 *
 * @param text The pfn.
 * @param limit The machine's page count: a pfn must be below it.
 * @returns The pfn.
 * @throws {RangeError} Naming the text and the rule.
 */
export function parsePfn(text: string, limit: number): number {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) {
    throw new RangeError(`Pfn "${text}" is not a page number (decimal, or hex with 0x)`);
  }
  const pfn = Number(t);
  if (!Number.isSafeInteger(pfn) || pfn >= limit) {
    throw new RangeError(`Pfn ${t} is outside the machine's 0x${limit.toString(16)} pages`);
  }
  return pfn;
}

/**
 * Make the predicate of `EVENT[:pfn]`: the first event of that kind, or the first one for that
 * pfn (for the kinds that carry one: alloc_low_page, map_low_page, pv_alloc, early_alloc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStopAt } from "@xenmmu/book";
 * const stop = parseStopAt("pv_alloc:0x10", 0x40000);
 * assert.equal(stop({ kind: "pv_alloc", hook: "alloc_pte", pfn: 0x10 }), true);
 * assert.equal(stop({ kind: "pv_alloc", hook: "alloc_pte", pfn: 0x11 }), false);
 * ```
 *
 * @param text `KIND` or `KIND:pfn`.
 * @param limit The machine's page count.
 * @returns The predicate.
 * @throws {RangeError} For an unknown kind, a pfn on a kind without one, or a bad pfn.
 */
export function parseStopAt(text: string, limit: number): (e: BootEvent) => boolean {
  const [kind, pfnText, ...rest] = text.split(":");
  if (!(EVENT_KINDS as readonly string[]).includes(kind) || rest.length > 0) {
    throw new RangeError(
      `Event "${text}" is not EVENT or EVENT:pfn with EVENT one of ${EVENT_KINDS.join(", ")}`,
    );
  }
  if (pfnText === undefined) return (e) => e.kind === kind;
  if (!PFN_KINDS.has(kind)) {
    throw new RangeError(
      `Event ${kind} carries no pfn: EVENT:pfn works with ${[...PFN_KINDS].join(", ")}`,
    );
  }
  const pfn = parsePfn(pfnText, limit);
  return (e) => e.kind === kind && (e as { pfn: number }).pfn === pfn;
}
