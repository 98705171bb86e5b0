/**
 * The outcome table of the book: every profile at every size, and for each failure the mechanism
 * that caused it, read from what the machine printed.
 *
 * @module
 */

import { boot, type BootResult } from "./boot.ts";

/**
 * The mechanism of a boot's failure, from its outcome and Xen's console:
 * `A` an RW fixmap alias of a page table refused (`ptwr_emulate`), an oops;
 * `P` a pin refused because the page is still writable elsewhere (`saw 74… != exp 1000…`), a BUG;
 * `V` a pin refused because the table's own entries map a table writable (`Failure in
 * alloc_l1_table`), a BUG; `R` a write to a page left read-only, with nothing from Xen, an oops.
 * `ok` for a boot that succeeded; the outcome and `?` for anything else.
 *
 * @param r A boot's result.
 * @returns The mechanism's letter, or `ok`.
 */
export function failureMechanism(r: BootResult): string {
  if (r.outcome === "ok") return "ok";
  const xen = r.xen_log.join("\n");
  if (r.outcome === "oops" && xen.includes("ptwr_emulate")) return "A";
  if (r.outcome === "oops" && xen === "") return "R";
  if (r.outcome === "bug" && xen.includes("Failure in alloc_l1_table")) return "V";
  if (r.outcome === "bug" && /saw 74[0-9a-f]+ != exp 1000000000000000/.test(xen)) return "P";
  return r.outcome + "?";
}

/** What each letter of the outcome table means (the legend `deno task outcomes` prints). */
export const FAILURE_MECHANISMS: Readonly<Record<string, string>> = {
  ok: "the boot got through init_memory_mapping and the early allocations",
  A: "oops: Xen refused an RW fixmap alias of a page-table page (ptwr_emulate)",
  P: "BUG: a pin refused, the page still mapped writable elsewhere (saw 74... != exp 1000...)",
  V: "BUG: a pin refused, the table's own entries map a table writable (Failure in alloc_l1_table)",
  R: "oops: a write to a page left read-only, with nothing from Xen",
};

/** The sizes of the book's outcome table (DESIGN §6), named as printed. */
export const OUTCOME_SIZES: ReadonlyArray<readonly [string, number]> = [
  ["256M", 2 ** 28],
  ["512M", 2 ** 29],
  ["1G", 2 ** 30],
  ["1.5G", 1.5 * 2 ** 30],
  ["2G", 2 ** 31],
  ["4G", 2 ** 32],
  ["4.5G", 4.5 * 2 ** 30],
  ["5G", 5 * 2 ** 30],
  ["8G", 2 ** 33],
  ["16G", 2 ** 34],
  ["64G", 2 ** 36],
];

/** The profiles of the book's outcome table, in the order of the story. */
export const OUTCOME_PROFILES: readonly string[] = [
  "2.6.38",
  "2.6.39",
  "2.6.39-rc1",
  "published-range",
  "2.6.39-rc-top",
  "alloc-hooks",
  "3.9",
];

/**
 * Boot every profile at every size and print the table, one row per profile.
 *
 * @example The 1 GiB column
 * ```ts
 * import assert from "node:assert/strict";
 * import { outcomeTable } from "@xenmmu/book";
 * const lines = outcomeTable([["1G", 2 ** 30]], ["2.6.39", "alloc-hooks"], "xen");
 * assert.deepEqual(lines.map((l) => l.trim().split(/ +/).at(-1)), ["1G", "ok", "V"]);
 * ```
 *
 * @param sizes The columns: a name and a memory size in bytes each.
 * @param profiles The rows.
 * @param hypervisor `xen` or `native`.
 * @returns The lines: a header, then one per profile.
 */
export function outcomeTable(
  sizes: ReadonlyArray<readonly [string, number]>,
  profiles: readonly string[],
  hypervisor: "xen" | "native",
): string[] {
  // the native rows are a control: the same machine and boot code with the native paravirt ops
  // and 4 KiB pages, not a real bare-metal boot (which would map with 2 MiB and 1 GiB pages)
  const title = hypervisor === "xen" ? "Xen PV" : "native control";
  const lines = [title.padEnd(16) + sizes.map(([name]) => name.padStart(5)).join("")];
  for (const kernel of profiles) {
    const cells = sizes.map(([, memory]) => failureMechanism(boot({ kernel, memory, hypervisor })));
    lines.push(kernel.padEnd(16) + cells.map((c) => c.padStart(5)).join(""));
  }
  return lines;
}
