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
import type { Xen, XenOptions } from "../../xen/hypervisor/mod.ts";
import { fuzzDomain } from "../../xen/fuzz/mod.ts";

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
  // The library's fuzzing domain is this same layout (xen/fuzz/guest_request.ts).
  const xen = fuzzDomain(options, pin);
  const m = (pfn: number) => xen.pfnToMfn(pfn);
  return {
    xen,
    m,
    ma: (pfn, index) => m(pfn) * 4096 + index * 8,
    va: (pfn) => pfn * 4096,
  };
}
