/**
 * "Who maps frame X?": every present entry in machine memory that points to a frame, with the
 * table it sits in and what Xen thinks of that table. The question behind every refusal in this
 * book: a page cannot become a page table while some validated L1 maps it writable.
 *
 * @module
 */

import { entryFlags, findEntries } from "../../mmu/mod.ts";
import { pageTypeName } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** One entry that maps the frame. */
export interface Mapping {
  /** The machine frame of the table holding the entry. */
  readonly tableMfn: number;
  /** That table's pfn (null when the domain does not own it). */
  readonly tablePfn: number | null;
  /** The entry's index. */
  readonly index: number;
  /** The entry's flags word. */
  readonly flags: number;
  /** Whether the entry lets writes through (RW set). */
  readonly writable: boolean;
  /** The table's Xen type, e.g. `PGT_l1_page_table`, or `PGT_writable_page` for a page that is
   * not a table (yet). */
  readonly tableType: string;
  /** Whether Xen has validated the table (so its entries hold references and are enforced). */
  readonly validated: boolean;
  /** Whether the table is pinned. */
  readonly pinned: boolean;
}

/**
 * Find every present entry in machine memory that points to `mfn`: the ptes of L1 tables that
 * map the page's contents, and, when the page is itself a table, the entries of upper tables
 * that hook it in.
 *
 * Only frames that hold table contents are searched, so this is a scan of all page-table pages:
 * fine for a question a reader asks, not for a hot path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPvDomain, whoMaps } from "@xenmmu/book";
 * const { xen, layout } = buildPvDomain({ nrPages: 0x40000 });
 * const [m] = whoMaps(xen, xen.pfnToMfn(layout.pageTables.start)); // the L4, in the 1:1 map
 * assert.equal(m.writable, false);
 * assert.equal(m.tableType, "PGT_l1_page_table");
 * ```
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns The entries, by table frame and index.
 */
export function whoMaps(xen: Xen, mfn: number): Mapping[] {
  return findEntries(xen.mem, mfn).map(({ table, index }) => {
    const { lo, hi } = xen.mem.read(table, index);
    const info = xen.pageInfo(table);
    return {
      tableMfn: table,
      tablePfn: info.pfn,
      index,
      flags: entryFlags(lo, hi),
      writable: (lo & 2) !== 0,
      tableType: pageTypeName(info.type),
      validated: info.validated,
      pinned: info.pinned,
    };
  });
}

/**
 * One line for a {@linkcode Mapping}, as the chapters print it: whether the entry is RW or RO,
 * where it is, and what Xen thinks of its table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPvDomain, describeMapping, whoMaps } from "@xenmmu/book";
 * const { xen, layout } = buildPvDomain({ nrPages: 0x40000 });
 * const [m] = whoMaps(xen, xen.pfnToMfn(layout.pageTables.start));
 * // the L4 (pfn 0x2603) is entry 3 of the 1:1 map's L1 #19 (pfn 0x2603 + 3 + 19)
 * assert.equal(describeMapping(m), "RO entry 3 of pfn 0x2619: PGT_l1_page_table, validated, not pinned");
 * ```
 *
 * @param m An entry that maps a frame.
 * @returns The line.
 */
export function describeMapping(m: Mapping): string {
  const where = m.tablePfn === null
    ? `mfn 0x${m.tableMfn.toString(16)}`
    : `pfn 0x${m.tablePfn.toString(16)}`;
  return `${m.writable ? "RW" : "RO"} entry ${m.index} of ${where}: ${m.tableType}, ${
    m.validated ? "validated" : "not validated"
  }, ${m.pinned ? "pinned" : "not pinned"}`;
}
