/**
 * `machineQuery`: the questions a reader asks a paused boot (`lookup_address`, who maps a page,
 * its `type_info`, the window, the mapping front), answered as lines of text. `sim`'s
 * `--lookup`, `--who-maps` and `--type-info` and a scenario's `show` use them.
 *
 * @module
 */

import { describeFlags, entryFlags, formatEntry } from "../mmu/entry.ts";
import { lookup_address } from "../mmu/lookup_address.ts";
import { PAGE_SIZE } from "../mmu/page_64_types.ts";
import { PG_LEVEL_NAMES } from "../mmu/pgtable_types.ts";
import { __va, formatVirt } from "../mmu/virtual_address.ts";
import { pageTypeName } from "../xen/hypervisor/type_info.ts";
import type { BootMachine } from "./boot.ts";

/** One question to a paused machine. */
export type MachineQuery =
  | { readonly kind: "lookup_address"; readonly va: number }
  | { readonly kind: "who_maps"; readonly pfn: number }
  | { readonly kind: "type_info"; readonly pfn: number }
  | { readonly kind: "window" }
  | { readonly kind: "front" };

const hex = (n: number) => "0x" + n.toString(16);

/**
 * Answer a question about the machine as it is now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine, machineQuery } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 28 });
 * m.runUntil((e) => e.kind === "reserve");
 * assert.match(machineQuery(m, { kind: "window" })[0], /^window: start 0x[0-9a-f]+ end/);
 * ```
 *
 * @param m The machine (paused, or ended).
 * @param q The question.
 * @returns The answer, one or more lines, each starting with the query's name.
 */
export function machineQuery(m: BootMachine, q: MachineQuery): string[] {
  const k = m.kernel;
  switch (q.kind) {
    case "lookup_address": {
      const r = lookup_address(k.init_mm, q.va);
      const head = `lookup_address(${formatVirt(q.va)})`;
      const level = PG_LEVEL_NAMES[r.level];
      if (r.pte === null) return [`${head}: NULL, level ${level}`];
      const e = k.mem.read(r.pte.table, r.pte.index);
      const where = `table mfn ${hex(r.pte.table)} (pfn ${hex(k.mfn_to_pfn(r.pte.table))}) ` +
        `index ${r.pte.index}`;
      const what = e.lo === 0 && e.hi === 0
        ? "empty"
        : `${formatEntry(e)} (${describeFlags(entryFlags(e.lo, e.hi))})`;
      return [`${head}: ${where}: ${what}, level ${level}`];
    }
    case "who_maps": {
      const maps = m.whoMaps(q.pfn);
      const head = `who_maps(pfn ${hex(q.pfn)})`;
      if (maps.length === 0) return [`${head}: no entry maps it`];
      return maps.map((x) =>
        `${head}: ${x.writable ? "RW" : "RO"} entry ${x.index} of table pfn ${
          x.tablePfn === null ? "?" : hex(x.tablePfn)
        } (${x.tableType}${x.validated ? ", validated" : ""}${x.pinned ? ", pinned" : ""}), ` +
        `flags ${describeFlags(x.flags)}`
      );
    }
    case "type_info": {
      const head = `type_info(pfn ${hex(q.pfn)})`;
      if (m.xen === null) return [`${head}: bare metal, no hypervisor to keep types`];
      const info = m.xen.pageInfo(m.xen.pfnToMfn(q.pfn));
      return [
        `${head}: ${info.typeInfo} (${pageTypeName(info.type)}, type count ${info.typeCount}` +
        `${info.validated ? ", validated" : ""}${info.pinned ? ", pinned" : ""})`,
      ];
    }
    case "window": {
      const w = k.pgt_buf;
      return [
        `window: start ${hex(w.start)} end ${hex(w.end)} top ${hex(w.top)} ` +
        `(${w.end - w.start} of ${w.top - w.start} pages used)`,
      ];
    }
    case "front": {
      const pfn = Math.floor(k.front / PAGE_SIZE);
      const end = k.pgt_buf.end;
      return [
        `front: mapped up to ${hex(k.front)} (pfn ${hex(pfn)}), ${formatVirt(__va(k.front))}; ` +
        `pgt_buf_end ${hex(end)}: the front is ${pfn >= end ? "past" : "behind"} it`,
      ];
    }
    default:
      throw new TypeError(
        `Query ${JSON.stringify((q as { kind?: unknown }).kind)} is not one of: lookup_address, ` +
          "who_maps, type_info, window, front",
      );
  }
}
