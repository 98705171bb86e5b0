/**
 * Where the domain builder puts things in a 64-bit PV domU's pseudo-physical memory before the
 * guest's first instruction: the "Start-of-day memory layout" of Xen's public `xen.h`, computed
 * the way Xen 4.1's libxc does it (`xc_dom_build_image` in `tools/libxc/xc_dom_core.c`,
 * `count_pgtables` and `alloc_magic_pages` in `tools/libxc/xc_dom_x86.c`).
 *
 * The builder runs in dom0's toolstack, not in the hypervisor; it lives on the hypervisor side
 * of this model because the guest receives its result as a fact of the platform.
 *
 * @module
 */

import { PAGE_SIZE } from "../../mmu/mod.ts";

const MiB = 1024 * 1024;
const FOUR_MiB = 4 * MiB;

/** Where the kernel image starts, `CONFIG_PHYSICAL_START` (16 MiB), by default. */
export const DEFAULT_KERNEL_START = 0x1000000;
/** The kernel image's size by default: 12 MiB up to `_end`, a typical 2.6.39 x86-64 build. */
export const DEFAULT_KERNEL_SIZE: number = 12 * MiB;
/** The (uncompressed) initrd's size by default: 8 MiB. */
export const DEFAULT_INITRD_SIZE: number = 8 * MiB;

/** Inputs of {@linkcode startOfDayLayout}. All sizes in bytes. */
export interface StartOfDayOptions {
  /** The domain's pages (`start_info.nr_pages`, the toolstack's `memory` in 4 KiB pages). */
  nrPages: number;
  /**
   * Where the kernel image starts, as an offset from `virt_base` (`_text - __START_KERNEL_map`):
   * `CONFIG_PHYSICAL_START`.
   * @default {0x1000000}
   */
  kernelStart?: number;
  /**
   * The size of the kernel image up to `_end` (text, data, bss and the whole brk area).
   * @default {12 MiB, a typical 2.6.39 image}
   */
  kernelSize?: number;
  /**
   * The uncompressed initrd (libxc unpacks a gzip'd ramdisk itself); 0 for none.
   * @default {8 MiB}
   */
  initrdSize?: number;
}

/** A run of pages, `[start, end)` in pfns. */
export interface PfnRange {
  /** The first pfn. */
  readonly start: number;
  /** One past the last pfn. */
  readonly end: number;
}

/** The layout, in pfns (the 1:1 map starts at pfn 0 = `virt_base`). */
export interface StartOfDayLayout {
  /** The kernel image, `_text` to `_end`. */
  readonly kernel: PfnRange;
  /** The initrd (empty when there is none). */
  readonly initrd: PfnRange;
  /** The P2M list Linux reads as `mfn_list`: 8 bytes per page of the domain. */
  readonly p2m: PfnRange;
  /** The `start_info` page. */
  readonly startInfo: number;
  /** The xenstore ring page. */
  readonly xenstore: number;
  /** The console ring page. */
  readonly console: number;
  /** The bootstrap page tables: `pt_base` is `start`, `nr_pt_frames` is `end - start`. */
  readonly pageTables: PfnRange;
  /** How many of the bootstrap tables are L4, L3, L2 and L1 pages, in that (address) order. */
  readonly tableCounts: {
    readonly l4: number;
    readonly l3: number;
    readonly l2: number;
    readonly l1: number;
  };
  /** The boot stack page. */
  readonly stack: number;
  /** The end of the 1:1 map, a 4 MiB boundary: `v_end` in pfns. */
  readonly vEnd: number;
}

/**
 * Compute the start-of-day layout of a 64-bit PV domU, as libxc 4.1 places it: the kernel at
 * `virt_base + CONFIG_PHYSICAL_START`, then the initrd, the P2M list, `start_info`, the xenstore
 * and console pages, the bootstrap page tables, the boot stack, and padding of at least 512 KiB
 * up to a 4 MiB boundary (`v_end`). Everything from pfn 0 to `v_end` is mapped by the bootstrap
 * tables.
 *
 * @example A 1 GiB guest: a 12 MiB kernel at 16 MiB and an 8 MiB initrd
 * ```ts
 * import assert from "node:assert/strict";
 * import { startOfDayLayout } from "@xenmmu/book";
 * const layout = startOfDayLayout({ nrPages: 0x40000 });
 * assert.deepEqual(layout.pageTables, { start: 0x2603, end: 0x2603 + 23 });
 * assert.equal(layout.vEnd * 4096, 40 * 1024 * 1024);
 * ```
 *
 * @param options The domain's size and the images loaded into it.
 * @returns Where each part lies.
 * @throws {RangeError} When a size is not a whole number of the right range, or the 1:1 map
 *   would not fit in the 2 GiB of the kernel map.
 */
export function startOfDayLayout(options: StartOfDayOptions): StartOfDayLayout {
  const { nrPages } = options;
  const kernelStart = options.kernelStart ?? DEFAULT_KERNEL_START;
  const kernelSize = options.kernelSize ?? DEFAULT_KERNEL_SIZE;
  const initrdSize = options.initrdSize ?? DEFAULT_INITRD_SIZE;
  checkWhole("nrPages", nrPages, 1);
  checkWhole("kernelStart", kernelStart, 0);
  checkWhole("kernelSize", kernelSize, 1);
  checkWhole("initrdSize", initrdSize, 0);
  if (kernelStart % PAGE_SIZE !== 0) {
    throw new RangeError(`kernelStart 0x${kernelStart.toString(16)} is not page-aligned`);
  }

  // xc_dom_alloc_segment: each segment starts where the previous one ended, in whole pages.
  let next = kernelStart / PAGE_SIZE;
  const segment = (bytes: number): PfnRange => {
    const start = next;
    next += Math.ceil(bytes / PAGE_SIZE);
    return { start, end: next };
  };
  const kernel = segment(kernelSize);
  const initrd = segment(initrdSize);
  const p2m = segment(nrPages * 8); // sizeof(xen_pfn_t) is 8 on x86_64
  const startInfo = segment(PAGE_SIZE).start;
  const xenstore = segment(PAGE_SIZE).start;
  const consolePfn = segment(PAGE_SIZE).start;

  const counts = count_pgtables_x86_64(next * PAGE_SIZE);
  const nrPtFrames = counts.l4 + counts.l3 + counts.l2 + counts.l1;
  const pageTables = segment(nrPtFrames * PAGE_SIZE);
  const stack = segment(PAGE_SIZE).start;
  const vEnd = counts.vEnd / PAGE_SIZE;
  if (counts.vEnd > 2 * 1024 * MiB) {
    throw new RangeError(
      `A domain of ${nrPages} pages needs a 1:1 map of ${counts.vEnd / MiB} MiB: ` +
        "the bootstrap map must fit in the 2 GiB kernel map",
    );
  }
  return {
    kernel,
    initrd,
    p2m,
    startInfo,
    xenstore,
    console: consolePfn,
    pageTables,
    tableCounts: { l4: counts.l4, l3: counts.l3, l2: counts.l2, l1: counts.l1 },
    stack,
    vEnd,
  };
}

/** What {@linkcode count_pgtables_x86_64} found. */
export interface PgtableCount {
  /** L4 pages. */
  readonly l4: number;
  /** L3 pages. */
  readonly l3: number;
  /** L2 pages. */
  readonly l2: number;
  /** L1 pages: one per 2 MiB of the 1:1 map. */
  readonly l1: number;
  /** The end of the 1:1 map, in bytes from `virt_base` (a multiple of 4 MiB). */
  readonly vEnd: number;
}

/** `virt_base` of a 64-bit Linux kernel, `__START_KERNEL_map`, as a 64-bit value. */
const VIRT_BASE = 0xffffffff80000000n;

/**
 * Count the bootstrap page tables and find `v_end`, as libxc 4.1's `count_pgtables` does for
 * `xen-3.0-x86_64` (`count_pgtables(dom, 0, 48, 39, 30, 21)`): the 1:1 map must cover
 * everything allocated so far, the tables themselves, one boot-stack page and 128 pages (512 KiB)
 * of padding, rounded up to 4 MiB; adding tables can move the end, so it repeats until the count
 * is stable.
 *
 * @param allocEnd Bytes from `virt_base` allocated before the tables (`virt_alloc_end`).
 * @returns The number of tables per level and `v_end`.
 */
export function count_pgtables_x86_64(allocEnd: number): PgtableCount {
  checkWhole("allocEnd", allocEnd, 0);
  const extra = 1 + 128; // the boot stack page, and "512kB padding"
  let pages = extra;
  for (;;) {
    const tryVirtEnd = BigInt(allocEnd + pages * PAGE_SIZE) | BigInt(FOUR_MiB - 1);
    const start = VIRT_BASE;
    const end = VIRT_BASE + tryVirtEnd;
    const l4 = nr_page_tables(start, end, 48n);
    const l3 = nr_page_tables(start, end, 39n);
    const l2 = nr_page_tables(start, end, 30n);
    const l1 = nr_page_tables(start, end, 21n);
    pages = l4 + l3 + l2 + l1 + extra;
    if (BigInt(allocEnd + pages * PAGE_SIZE) <= tryVirtEnd + 1n) {
      return { l4, l3, l2, l1, vEnd: Number(tryVirtEnd + 1n) };
    }
  }
}

/** libxc's `nr_page_tables`: tables of `2^bits` bytes each needed to cover `[start, end]`. */
function nr_page_tables(start: bigint, end: bigint, bits: bigint): number {
  const mask = bits === 64n ? -1n : (1n << bits) - 1n;
  const first = start & ~mask;
  const last = (end | mask) & 0xffffffffffffffffn;
  return Number(((last - first) >> bits) + 1n);
}

function checkWhole(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} ${value} is not a whole number of at least ${min}`);
  }
}
