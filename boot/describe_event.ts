/**
 * One boot event in words, as `deno task sim --trace` prints it and the explorer page lists it.
 *
 * @module
 */

import type { BootEvent } from "./kernel.ts";

/**
 * Describes a boot event on one line: its kind, then its pfn, range, hook or hypercall.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeEvent({ kind: "pv_alloc", hook: "alloc_pte", pfn: 0x3fdfe }), "pv_alloc alloc_pte pfn 0x3fdfe");
 * assert.equal(describeEvent({ kind: "hypercall", call: "mmuext_op", rc: -22 }), "hypercall mmuext_op rc -22");
 * ```
 *
 * @param e The event.
 * @returns Its line.
 */
export function describeEvent(e: BootEvent): string {
  const hex = (n: number) => "0x" + n.toString(16);
  switch (e.kind) {
    case "printk":
      return `printk ${e.line}`;
    case "init_memory_mapping":
      return `init_memory_mapping ${hex(e.start)}-${hex(e.end)}`;
    case "alloc_low_page":
    case "map_low_page":
    case "early_alloc":
      return `${e.kind} pfn ${hex(e.pfn)}`;
    case "pv_alloc":
      return `pv_alloc ${e.hook} pfn ${hex(e.pfn)}`;
    case "hypercall":
      return `hypercall ${e.call} rc ${e.rc}`;
    case "reserve":
      return `reserve pfn ${hex(e.start)}-${hex(e.end)}`;
    case "chunk":
      return `chunk ${hex(e.start)}-${hex(e.end)} mapped`;
  }
}
