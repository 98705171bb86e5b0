/**
 * The domain builder: a 64-bit PV domU as Xen 4.1's libxc hands it to the guest kernel. The
 * bootstrap page tables map the whole start-of-day area 1:1 from `virt_base`, every page
 * writable except the page tables themselves; the L4 is pinned (which validates the whole tree)
 * and loaded in CR3; `start_info` says where everything is.
 *
 * Mirrors `setup_pgtables_x86_64`, `start_info_x86_64` and `arch_setup_bootlate` in
 * `tools/libxc/xc_dom_x86.c` (Xen 4.1.0) and the "Start-of-day memory layout" of `xen.h`.
 *
 * @module
 */

import { entryHi, entryLo } from "../../mmu/entry.ts";
import { __START_KERNEL_map, PAGE_SIZE } from "../../mmu/page_64_types.ts";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
} from "../../mmu/pgtable_types.ts";
import { pgd_index, pmd_index, pud_index } from "../../mmu/virtual_address.ts";
import { do_mmuext_op } from "./do_mmuext_op.ts";
import { MMUEXT_NEW_BASEPTR, MMUEXT_PIN_L4_TABLE } from "./public_xen.ts";
import {
  DEFAULT_INITRD_SIZE,
  type StartOfDayLayout,
  startOfDayLayout,
  type StartOfDayOptions,
} from "./start_of_day_layout.ts";
import { Xen, type XenOptions } from "./xen.ts";

/** libxc's L1 flags for the 1:1 map: `_PAGE_PRESENT|_PAGE_RW|_PAGE_ACCESSED`. */
const L1_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
/** libxc's flags for L2..L4 entries: `_PAGE_PRESENT|_PAGE_RW|_PAGE_ACCESSED|_PAGE_DIRTY|_PAGE_USER`. */
const L2_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

/** The `start_info` fields a Linux PV guest reads at boot (`struct start_info`, x86-64). */
export interface StartInfo {
  /** `magic`: the guest ABI, `"xen-3.0-x86_64"`. */
  readonly magic: string;
  /** `nr_pages`: the domain's pages. */
  readonly nr_pages: number;
  /** `pt_base`: the virtual address of the bootstrap L4 (48-bit form). */
  readonly pt_base: number;
  /** `nr_pt_frames`: how many bootstrap table pages follow `pt_base`. */
  readonly nr_pt_frames: number;
  /** `mfn_list`: the virtual address of the P2M list (48-bit form). */
  readonly mfn_list: number;
  /** `mod_start`: the virtual address of the initrd (48-bit form), 0 when there is none. */
  readonly mod_start: number;
  /** `mod_len`: the initrd's size in bytes. */
  readonly mod_len: number;
  /** `store_mfn`: the machine frame of the xenstore ring. */
  readonly store_mfn: number;
  /** `console.domU.mfn`: the machine frame of the console ring. */
  readonly console_mfn: number;
}

/** Options of {@linkcode buildPvDomain}: the domain's size and images, and Xen's options. */
export interface BuildPvDomainOptions extends StartOfDayOptions, Omit<XenOptions, "nrPages"> {}

/** A freshly built domain, as the guest finds it at its first instruction. */
export interface PvDomain {
  /** The hypervisor, with the bootstrap L4 pinned and in CR3. */
  readonly xen: Xen;
  /** Where each part of the start-of-day area lies, in pfns. */
  readonly layout: StartOfDayLayout;
  /** What `start_info` tells the guest. */
  readonly startInfo: StartInfo;
}

/**
 * Build a 64-bit PV domU the way libxc 4.1 does, up to the guest's first instruction.
 *
 * @example A 1 GiB domain
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPvDomain, checkInvariants, formatVirt } from "@xenmmu/book";
 * const { xen, startInfo } = buildPvDomain({ nrPages: 0x40000 });
 * assert.equal(formatVirt(startInfo.pt_base), "0xffffffff82603000");
 * assert.equal(startInfo.nr_pt_frames, 23);
 * assert.equal(xen.pageInfo(xen.cr3!).typeInfo, "4c00000000000002"); // pinned, and in CR3
 * assert.equal(checkInvariants(xen), null);
 * ```
 *
 * @param options The domain's size, its images, and Xen's options.
 * @returns The hypervisor, the layout and `start_info`.
 * @throws {RangeError} When the sizes are impossible (see {@linkcode startOfDayLayout}).
 * @throws {Error} When Xen refuses the bootstrap tables, which would be a bug of the builder.
 */
export function buildPvDomain(options: BuildPvDomainOptions): PvDomain {
  const layout = startOfDayLayout(options);
  const xen = new Xen({ ...options, nrPages: options.nrPages });
  if (layout.vEnd > xen.nrPages) {
    throw new RangeError(
      `A domain of ${xen.nrPages} pages is smaller than its own start-of-day area ` +
        `(${layout.vEnd} pages): give it more memory`,
    );
  }
  setup_pgtables_x86_64(xen, layout);
  arch_setup_bootlate(xen, layout);
  const initrdBytes = options.initrdSize ?? DEFAULT_INITRD_SIZE;
  return { xen, layout, startInfo: start_info_x86_64(xen, layout, initrdBytes) };
}

/** The virtual address of pfn `pfn` in the 1:1 map (48-bit form). */
function vaOf(pfn: number): number {
  return __START_KERNEL_map + pfn * PAGE_SIZE;
}

/**
 * Write the bootstrap tables: L4, L3, L2(s), L1s in that order from `pt_base`, mapping every pfn
 * below `v_end` at `virt_base + pfn * 4096`; the table pages themselves read-only ("page tables
 * are r/o").
 */
function setup_pgtables_x86_64(xen: Xen, layout: StartOfDayLayout): void {
  const { l3, l2 } = layout.tableCounts;
  const l4Pfn = layout.pageTables.start;
  const l3Pfn = l4Pfn + 1;
  const l2Pfn = l3Pfn + l3;
  const l1Pfn = l2Pfn + l2;
  const mfn = (pfn: number) => xen.p2m[pfn];
  const upper = (table: number, index: number, child: number): void => {
    const words = xen.mem.table(mfn(table));
    words[2 * index] = entryLo(mfn(child), L2_PROT);
    words[2 * index + 1] = entryHi(mfn(child), L2_PROT);
  };
  const first = vaOf(0); // virt_base is 1 GiB aligned: pfn 0 starts an L2 and an L1
  upper(l4Pfn, pgd_index(first), l3Pfn);
  // one L1 (512 pages) at a time: its upper entries, then its ptes
  for (let base = 0; base < layout.vEnd; base += 512) {
    const va = vaOf(base);
    const l2Table = l2Pfn + pud_index(va) - pud_index(first);
    const l1Table = l1Pfn + base / 512;
    if (pmd_index(va) === 0) upper(l3Pfn, pud_index(va), l2Table);
    upper(l2Table, pmd_index(va), l1Table);
    const words = xen.mem.table(mfn(l1Table));
    for (let i = 0; i < 512 && base + i < layout.vEnd; i++) {
      const pfn = base + i;
      const inTables = pfn >= layout.pageTables.start && pfn < layout.pageTables.end;
      const flags = inTables ? L1_PROT & ~_PAGE_RW : L1_PROT;
      words[2 * i] = entryLo(mfn(pfn), flags);
      words[2 * i + 1] = entryHi(mfn(pfn), flags);
    }
  }
}

/** Pin the L4 (`MMUEXT_PIN_L4_TABLE` for `xen-3.0-x86_64`) and load it as the vCPU's CR3. */
function arch_setup_bootlate(xen: Xen, layout: StartOfDayLayout): void {
  const l4 = xen.p2m[layout.pageTables.start];
  const rc = do_mmuext_op(xen, [
    { cmd: MMUEXT_PIN_L4_TABLE, mfn: l4 },
    { cmd: MMUEXT_NEW_BASEPTR, mfn: l4 },
  ]);
  if (rc !== 0) {
    throw new Error(`Xen refused the bootstrap tables:\n${xen.console.lines.join("\n")}`);
  }
}

/** Fill `start_info` as libxc's `start_info_x86_64` does. */
function start_info_x86_64(xen: Xen, layout: StartOfDayLayout, initrdBytes: number): StartInfo {
  const initrdPages = layout.initrd.end - layout.initrd.start;
  return {
    magic: "xen-3.0-x86_64",
    nr_pages: xen.nrPages,
    pt_base: vaOf(layout.pageTables.start),
    nr_pt_frames: layout.pageTables.end - layout.pageTables.start,
    mfn_list: vaOf(layout.p2m.start),
    mod_start: initrdPages === 0 ? 0 : vaOf(layout.initrd.start),
    mod_len: initrdBytes,
    store_mfn: xen.p2m[layout.xenstore],
    console_mfn: xen.p2m[layout.console],
  };
}
