/**
 * `guest_map_l1e`: find the L1 table that maps a virtual address through the
 * vCPU's current page tables, as Xen does through its linear mapping.
 *
 * @module
 */

import { entryFrame } from "../../mmu/entry.ts";
import { pgd_index, pmd_index, pud_index } from "../../mmu/virtual_address.ts";
import { is_guest_l4_slot } from "./alloc_table.ts";
import type { Xen } from "./xen.ts";

/**
 * The frame of the L1 table for `va` under the current CR3, or null when
 * there is no CR3, `va` lies in Xen's own slots, or an L4/L3 entry on the way
 * is not present, or the L2 entry is not present or maps a superpage.
 *
 * @param xen The hypervisor.
 * @param va A 48-bit virtual address.
 * @returns The L1's mfn, or null.
 */
export function guest_map_l1e(xen: Xen, va: number): number | null {
  if (xen.cr3 === null || !is_guest_l4_slot(pgd_index(va))) return null;
  const mem = xen.mem;
  let table = xen.cr3;
  // the L4 and the L3 entry: each present, each naming a frame Xen knows
  for (let level = 4; level > 2; level--) {
    const w = mem.existingTable(table);
    const i = level === 4 ? pgd_index(va) : pud_index(va);
    const lo = w === null ? 0 : w[2 * i];
    if ((lo & 1) === 0) return null;
    table = entryFrame(lo, w![2 * i + 1]);
    if (!xen.mfnValid(table)) return null;
  }
  const w = mem.existingTable(table);
  const i = pmd_index(va);
  const lo = w === null ? 0 : w[2 * i];
  // Present and not a superpage, or there is no L1 to map.
  if ((lo & 0x81) !== 0x01) return null;
  const l1 = entryFrame(lo, w![2 * i + 1]);
  return xen.mfnValid(l1) ? l1 : null;
}
