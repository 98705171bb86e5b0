/**
 * A small domain with the bootstrap tree a domain builder leaves: L4, L3, L2
 * and L1 at pfns 0..3, the L1 mapping pfns 0..15 at virtual addresses
 * 0x0..0xf000 (the four table pages read-only, the rest RW), the L4 pinned
 * and loaded in CR3. Pfns 16..23 are not mapped anywhere, free to become
 * new tables.
 *
 * @module
 */

import { type Entry, entryHi, entryLo } from "../../mmu/entry.ts";
import {
  do_mmuext_op,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_PIN_L4_TABLE,
  Xen,
  type XenOptions,
} from "../../xen/hypervisor/mod.ts";

/** Flags of a table entry: P RW US A D (`_PAGE_TABLE`). */
export const TABLE = 0x067;
/** Flags of a read-only data PTE: P A D (NX left out). */
export const RO = 0x061;
/** Flags of a writable data PTE: P RW A D. */
export const RW = 0x063;
/** `_PAGE_NX` as a flags word bit (entry bit 63). */
export const NX = 0x80000000;

/**
 * An entry mapping machine frame `mfn` with `flags` (a flags word as in `mmu/`: bits 0..11,
 * NX in bit 31), unchecked so tests can build entries Xen must refuse.
 *
 * @param mfn The machine frame.
 * @param flags The flags.
 * @returns The entry.
 */
export function e(mfn: number, flags: number): Entry {
  return { lo: entryLo(mfn, flags), hi: entryHi(mfn, flags) };
}

/** The bootstrap machine. */
export interface Machine {
  /** The hypervisor. */
  xen: Xen;
  /** Mfn of pfn `p`. */
  m: (pfn: number) => number;
  /** The machine address of entry `index` of the table at pfn `pfn`. */
  ma: (pfn: number, index: number) => number;
  /** The virtual address of pfn `p` in the bootstrap map. */
  va: (pfn: number) => number;
}

/**
 * Build the machine; the setup writes are the domain builder's, before the guest runs.
 *
 * @param options Xen options (nrPages at least 16; 24 by default).
 * @param pin Pin the L4 and load it (default true).
 * @returns The machine.
 */
export function bootstrap(options: Partial<XenOptions> = {}, pin = true): Machine {
  const xen = new Xen({ nrPages: 24, ...options });
  const m = (pfn: number) => xen.pfnToMfn(pfn);
  const mem = xen.mem;
  mem.write(m(0), 0, e(m(1), TABLE));
  mem.write(m(1), 0, e(m(2), TABLE));
  mem.write(m(2), 0, e(m(3), TABLE));
  for (let p = 0; p < 16; p++) mem.write(m(3), p, e(m(p), p < 4 ? RO : RW));
  if (pin) {
    const rc = do_mmuext_op(xen, [
      { cmd: MMUEXT_PIN_L4_TABLE, mfn: m(0) },
      { cmd: MMUEXT_NEW_BASEPTR, mfn: m(0) },
    ]);
    if (rc !== 0) throw new Error(`Bootstrap pin failed: ${xen.console.lines.join("\n")}`);
  }
  return {
    xen,
    m,
    ma: (pfn, index) => m(pfn) * 4096 + index * 8,
    va: (pfn) => pfn * 4096,
  };
}
