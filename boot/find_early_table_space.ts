/**
 * `find_early_table_space` (`arch/x86/mm/init.c`, 64-bit, Linux 2.6.38 / 2.6.39): size the
 * page tables that will map `[0, end)` and find room for them — the window that `alloc_low_page`
 * then hands out page by page.
 *
 * @module
 */

import { PAGE_SHIFT, PAGE_SIZE, PMD_SIZE, PUD_SIZE } from "../mmu/mod.ts";
import type { PrintkLog } from "./e820.ts";
import { KernelPanic } from "./kernel_panic.ts";
import { checkKernelVersion, type KernelVersion } from "./kernel_version.ts";
import { checkBytes, type Memblock, MEMBLOCK_ERROR, memblock_find_in_range } from "./memblock.ts";
import { printkHex } from "./printk.ts";

/** The text of the kernel's `panic()` when no window fits. */
export const NO_TABLE_SPACE = "Cannot find space for the kernel page tables";

/**
 * The page-table window, in pfns: 2.6.38's `e820_table_start/end/top`, 2.6.39's
 * `pgt_buf_start/end/top`. `start <= end <= top`; `end` is the next page to hand out.
 */
export interface PgtBuf {
  /** The first pfn of the window. */
  start: number;
  /** The next pfn `alloc_low_page` hands out (equal to `start` before any allocation). */
  end: number;
  /** One past the last pfn of the window. */
  top: number;
}

/** What {@linkcode find_early_table_space} reads besides its arguments (the kernel's globals). */
export interface EarlyTableSpaceContext {
  /** Which release's code runs. */
  readonly kernel: KernelVersion;
  /** The allocator to search. */
  readonly memblock: Memblock;
  /** `max_pfn_mapped`: 2.6.38 places the window below `max_pfn_mapped << PAGE_SHIFT`. */
  readonly maxPfnMapped: number;
  /** Receives the `kernel direct mapping tables up to …` line. */
  readonly log?: PrintkLog;
}

/**
 * The bytes of page tables needed to map `[0, end)`, the estimate of `find_early_table_space`
 * (64-bit): one 8-byte entry per PUD, PMD and PTE that covers the range, each level rounded up to
 * whole pages. With `use_gbpages` only the PMDs of the part above the last 1 GiB boundary count,
 * with `use_pse` only the PTEs above the last 2 MiB boundary. Under Xen PV both are off, so a
 * range of 1 GiB needs 1 + 1 + 512 = 514 pages.
 *
 * @param end One past the last byte to map.
 * @param use_pse Whether 2 MiB pages are used (`cpu_has_pse`).
 * @param use_gbpages Whether 1 GiB pages are used (`direct_gbpages`).
 * @returns `tables`, in bytes (a multiple of `PAGE_SIZE`).
 * @throws {RangeError} When `end` is not a whole number of bytes of at least 1.
 */
export function earlyTableSpaceBytes(end: number, use_pse: boolean, use_gbpages: boolean): number {
  checkEnd(end);
  const puds = Math.ceil(end / PUD_SIZE);
  let tables = roundUpToPage(puds * 8);
  const pmds = use_gbpages ? Math.ceil((end % PUD_SIZE) / PMD_SIZE) : Math.ceil(end / PMD_SIZE);
  tables += roundUpToPage(pmds * 8);
  const ptes = use_pse ? Math.ceil((end % PMD_SIZE) / PAGE_SIZE) : Math.ceil(end / PAGE_SIZE);
  tables += roundUpToPage(ptes * 8);
  return tables;
}

/**
 * `find_early_table_space(end, use_pse, use_gbpages)`: size the tables for `[0, end)` (always
 * from 0, even when the call maps only `[4 GiB, end)`) and place them with
 * `memblock_find_in_range(start, good_end, tables, PAGE_SIZE)`:
 *
 * - 2.6.38: `start = 0x8000`, `good_end = max_pfn_mapped << PAGE_SHIFT` — the window is low,
 *   inside memory the boot page tables already map;
 * - 2.6.39 (commit 4b239f45, "Put early page table high"): `start = 0`, `good_end = end` — the
 *   window is at the top of the range being mapped, in memory not mapped yet.
 *
 * Nothing is reserved here: the kernel reserves the used part `[start, end)` after the mapping
 * (`"PGTABLE"`). Prints `kernel direct mapping tables up to %lx @ %lx-%lx` (end, start and top
 * in bytes) to the context's log.
 *
 * @param ctx The release, memblock and `max_pfn_mapped`.
 * @param end One past the last byte the calling `init_memory_mapping` maps.
 * @param use_pse Whether 2 MiB pages are used (false under Xen PV).
 * @param use_gbpages Whether 1 GiB pages are used (false under Xen PV).
 * @returns The window, in pfns, with `end === start`.
 * @throws {KernelPanic} "Cannot find space for the kernel page tables" when nothing fits.
 * @throws {RangeError} When `end` or `max_pfn_mapped` is malformed or the version unknown.
 */
export function find_early_table_space(
  ctx: EarlyTableSpaceContext,
  end: number,
  use_pse: boolean,
  use_gbpages: boolean,
): PgtBuf {
  const kernel = checkKernelVersion(ctx.kernel);
  const tables = earlyTableSpaceBytes(end, use_pse, use_gbpages);
  if (!Number.isSafeInteger(ctx.maxPfnMapped) || ctx.maxPfnMapped < 0) {
    throw new RangeError(`max_pfn_mapped ${ctx.maxPfnMapped} is not a whole number of pages`);
  }
  const start = kernel === "2.6.38" ? 0x8000 : 0;
  const goodEnd = kernel === "2.6.38" ? ctx.maxPfnMapped * PAGE_SIZE : end;
  // 2.6.38 can be asked for a range that ends below 0x8000 (max_pfn_mapped tiny); the kernel's
  // search then simply finds nothing, so clamp instead of calling that bad input.
  const base = memblock_find_in_range(
    ctx.memblock,
    start,
    Math.max(start, goodEnd),
    tables,
    PAGE_SIZE,
  );
  if (base === MEMBLOCK_ERROR) throw new KernelPanic(NO_TABLE_SPACE);
  const first = base / PAGE_SIZE;
  const buf = { start: first, end: first, top: first + tables / PAGE_SIZE };
  ctx.log?.push(
    `kernel direct mapping tables up to ${printkHex(end)} @ ${
      printkHex(buf.start * 2 ** PAGE_SHIFT)
    }-${printkHex(buf.top * 2 ** PAGE_SHIFT)}`,
  );
  return buf;
}

function roundUpToPage(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}

function checkEnd(end: number): void {
  checkBytes("end", end);
  if (end === 0) {
    throw new RangeError("end 0 maps nothing: find_early_table_space needs end >= 1");
  }
}
