/**
 * `formatEvent`: one boot event as a trace line, with its arguments (a hypercall's request and
 * rc, a hook's name and pfn), for `sim --trace` and the scenario reports.
 *
 * @module
 */

import { formatEntry } from "../mmu/entry.ts";
import { formatVirt } from "../mmu/virtual_address.ts";
import type { BootEvent, HypercallArgs } from "./kernel.ts";

/** The `MMUEXT_*` commands early boot uses, by number (`xen/include/public/xen.h`). */
const MMUEXT_NAMES: Readonly<Record<number, string>> = {
  0: "MMUEXT_PIN_L1_TABLE",
  1: "MMUEXT_PIN_L2_TABLE",
  2: "MMUEXT_PIN_L3_TABLE",
  3: "MMUEXT_PIN_L4_TABLE",
  4: "MMUEXT_UNPIN_TABLE",
  5: "MMUEXT_NEW_BASEPTR",
};

const hex = (n: number) => "0x" + n.toString(16);

/** A hypercall's request as a trace shows it. */
function formatArgs(a: HypercallArgs): string {
  const parts: string[] = [];
  if (a.cmd !== undefined) parts.push(MMUEXT_NAMES[a.cmd] ?? `cmd ${a.cmd}`);
  if (a.mfn !== undefined) parts.push(`mfn ${hex(a.mfn)}`);
  if (a.ptr !== undefined) parts.push(`ptr ${hex(a.ptr)}`);
  if (a.va !== undefined) parts.push(`va ${formatVirt(a.va)}`);
  if (a.lo !== undefined) {
    parts.push(
      `${a.ptr !== undefined ? "val" : "pte"} ${formatEntry({ lo: a.lo, hi: a.hi ?? 0 })}`,
    );
  }
  return parts.join(" ");
}

/**
 * One event as a trace line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEvent } from "@xenmmu/book";
 * assert.equal(
 *   formatEvent({ kind: "hypercall", call: "mmuext_op", rc: -22, args: { cmd: 0, mfn: 0x13fff3 } }),
 *   "hypercall mmuext_op MMUEXT_PIN_L1_TABLE mfn 0x13fff3 rc -22",
 * );
 * assert.equal(formatEvent({ kind: "pv_alloc", hook: "alloc_pte", pfn: 0x3fe05 }), "pv_alloc alloc_pte pfn 0x3fe05");
 * ```
 *
 * @param e The event.
 * @returns The line.
 */
export function formatEvent(e: BootEvent): string {
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
      return `hypercall ${e.call}${
        e.args === undefined ? "" : " " + formatArgs(e.args)
      } rc ${e.rc}`;
    case "reserve":
      return `reserve pfn ${hex(e.start)}-${hex(e.end)}`;
    case "chunk":
      return `chunk ${hex(e.start)}-${hex(e.end)} mapped`;
    default:
      throw new TypeError(
        `Event kind ${JSON.stringify((e as { kind?: unknown }).kind)} is not a boot event's`,
      );
  }
}
