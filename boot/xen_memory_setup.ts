/**
 * `xen_memory_setup` (`arch/x86/xen/setup.c`, Linux 2.6.38 / 2.6.39 / 3.9 domU path): turn the
 * memory map the toolstack gave Xen into the guest's e820 map, and reserve the Xen start-of-day
 * pages and the balloon "extra" region in memblock.
 *
 * @module
 */

import { MAXMEM, PAGE_SIZE } from "../mmu/mod.ts";
import {
  e820_add_region,
  E820_RAM,
  E820_RESERVED,
  E820_UNUSABLE,
  type E820Entry,
  type E820Map,
  type PrintkLog,
  sanitize_e820_map,
} from "./e820.ts";
import { checkKernelVersion, type KernelVersion } from "./kernel_version.ts";
import { checkBytes, type Memblock, memblock_reserve_from } from "./memblock.ts";
import { memblock_x86_reserve_range } from "./memblock_x86.ts";
import { printkHex } from "./printk.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
/** 3.9's `MAX_DOMAIN_PAGES`: 500 GiB of pages. */
const maxDomainPages39 = 500 * GiB / PAGE_SIZE;

/**
 * `MAX_DOMAIN_PAGES` of 2.6.38 and 2.6.39, from the default `CONFIG_XEN_MAX_DOMAIN_MEMORY=128`
 * (GiB) of their 64-bit kernels. A domain with more pages boots with only this many:
 * `xen_memory_setup` cuts the RAM there, gives the pages above back to Xen and turns them into
 * balloon space (see {@linkcode xen_memory_setup}). 3.9's default is larger: see
 * {@linkcode maxDomainPages}.
 */
export const MAX_DOMAIN_PAGES: number = 128 * GiB / PAGE_SIZE;

/**
 * `MAX_DOMAIN_PAGES` of a release: `CONFIG_XEN_MAX_DOMAIN_MEMORY` defaults to 128 (GiB) on x86-64
 * in 2.6.38 and 2.6.39 and to 500 in 3.9 (`arch/x86/xen/Kconfig`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxDomainPages } from "@xenmmu/book";
 * assert.equal(maxDomainPages("2.6.39") * 4096, 128 * 2 ** 30);
 * assert.equal(maxDomainPages("3.9") * 4096, 500 * 2 ** 30);
 * ```
 *
 * @param kernel The release.
 * @returns The page count.
 */
export function maxDomainPages(kernel: KernelVersion): number {
  return kernel === "3.9" ? maxDomainPages39 : MAX_DOMAIN_PAGES;
}

/** How much larger than the boot allocation the balloon region may grow (`EXTRA_MEM_RATIO`). */
export const EXTRA_MEM_RATIO = 10;

/** The slack both toolstacks add to `maxmem` "to balance backend allocations": 8 MiB. */
export const DEFAULT_SLACK: number = 8 * MiB;

/** `ISA_START_ADDRESS`: the legacy VGA/ROM hole starts at 640 KiB. */
export const ISA_START_ADDRESS = 0xa0000;
/** `ISA_END_ADDRESS`: and ends at 1 MiB. */
export const ISA_END_ADDRESS = 0x100000;

/**
 * The map Xen 4.0 / 4.1's toolstacks (xl/libxl and xend) give a PV domU through
 * `xc_domain_set_memmap_limit`: one `E820_RAM` entry `[0, maxmem + slack)`.
 *
 * @param maxmem The domain's `maxmem` in bytes, a whole number of pages.
 * @param slack The slack in bytes (8 MiB in both toolstacks).
 * @returns The entries.
 * @throws {RangeError} When a size is not a whole number of pages.
 */
export function toolstackMemoryMap(maxmem: number, slack: number = DEFAULT_SLACK): E820Entry[] {
  checkPages("maxmem", maxmem);
  checkPages("slack", slack);
  return [{ addr: 0, size: maxmem + slack, type: E820_RAM }];
}

/** Inputs of {@linkcode xen_memory_setup}. */
export interface XenMemorySetupOptions {
  /** Which release's code runs. */
  kernel: KernelVersion;
  /** `xen_start_info->nr_pages`. */
  nrPages: number;
  /** What `XENMEM_memory_map` returns (see {@linkcode toolstackMemoryMap}). */
  memoryMap: readonly E820Entry[];
  /** `__pa(xen_start_info->mfn_list)`: the P2M list's first byte. */
  mfnList: number;
  /** `__pa(xen_start_info->pt_base)`: the bootstrap page tables' first byte. */
  ptBase: number;
  /**
   * `MAX_DOMAIN_PAGES`.
   * @default {maxDomainPages(kernel): 128 GiB of pages, 500 GiB in 3.9}
   */
  maxDomainPages?: number;
}

/** What {@linkcode xen_memory_setup} leaves behind besides the e820 map and memblock. */
export interface XenMemorySetupResult {
  /**
   * `xen_extra_mem_start`: where the balloon region begins (bytes). 3.9: the start of
   * `xen_extra_mem[0]`, 0 when there is no region (as the kernel leaves it).
   */
  readonly xenExtraMemStart: number;
  /** `xen_extra_mem_size`: its size in bytes (0 when there is none); 3.9: of all regions. */
  readonly xenExtraMemSize: number;
  /**
   * The pages given back to Xen by `xen_return_unused_memory` (2.6.3x); 3.9:
   * `xen_released_pages`, those released by `xen_set_identity_and_release` less those
   * `xen_populate_chunk` took back.
   */
  readonly released: number;
  /** `mem_end`: the end of the memory the domain boots with (bytes). */
  readonly memEnd: number;
}

/**
 * `xen_memory_setup` for a domU. In order:
 *
 * 1. `max_pfn = min(MAX_DOMAIN_PAGES, nr_pages)`, `mem_end = max_pfn << PAGE_SHIFT`;
 * 2. every RAM entry that ends above `mem_end` is cut there and the part above counted in
 *    `extra_pages` (2.6.39 also counts an entry wholly above `mem_end`; 2.6.38 drops it uncounted);
 *    what remains is added to the e820 map;
 * 3. `xen_extra_mem_start` starts at `mem_end` (2.6.38) or `max(4 GiB, mem_end)` (2.6.39,
 *    commit 24bdb0b6) and is raised past every entry that ends above it;
 * 4. `[0xa0000, 0x100000)` is added as `E820_RESERVED`;
 * 5. memblock reserves "XEN START INFO" `[__pa(mfn_list), __pa(pt_base))`;
 * 6. the map is sanitized, and `xen_return_unused_memory` gives back to Xen every populated pfn
 *    below `nr_pages` that the map does not cover above 1 MiB, adding them to `extra_pages`
 *    (none for a domU, unless `nr_pages > MAX_DOMAIN_PAGES`: then the pages above
 *    `MAX_DOMAIN_PAGES` are released here, after being counted once already in step 2, so they
 *    count twice toward the balloon region — as the code does);
 * 7. `extra_pages` is capped so that `max_pfn + extra_pages <= 10 * max_pfn`;
 * 8. `xen_add_extra_mem`: `[xen_extra_mem_start, + extra_pages)` becomes `E820_RAM` and memblock
 *    reserves it as "XEN EXTRA" (2.6.39 also marks those pfns `INVALID_P2M_ENTRY`, which this
 *    model of the memory map does not need).
 *
 * 3.9 works differently; see {@linkcode xen_memory_setup_39}, which this calls for it.
 *
 * The caller then prints the map (`setup_memory_map`) and runs `trim_bios_range`.
 *
 * @param e820 The kernel's map, emptied and rebuilt.
 * @param mb The allocator; receives "XEN START INFO" and "XEN EXTRA".
 * @param options The start_info values and the toolstack's map.
 * @param log Receives the kernel's lines.
 * @returns The balloon region and what was released.
 * @throws {RangeError} When an input is malformed; nothing is changed then.
 */
export function xen_memory_setup(
  e820: E820Map,
  mb: Memblock,
  options: XenMemorySetupOptions,
  log?: PrintkLog,
): XenMemorySetupResult {
  const kernel = checkOptions(options);
  if (kernel === "3.9") return xen_memory_setup_39(e820, mb, options, log);
  const maxDomainPages = options.maxDomainPages ?? MAX_DOMAIN_PAGES;

  const maxPfn = Math.min(maxDomainPages, options.nrPages);
  const memEnd = maxPfn * PAGE_SIZE;
  let extraPages = 0;

  e820.entries = [];
  let xenExtraMemStart = kernel === "2.6.38" ? memEnd : Math.max(4 * GiB, memEnd);
  for (const original of options.memoryMap) {
    const entry = { ...original };
    let end = entry.addr + entry.size;
    if (kernel === "2.6.38") {
      // 2.6.38: "Truncate region to max_mem" for RAM that crosses mem_end; RAM wholly above it
      // is neither added nor counted, but still moves xen_extra_mem_start up
      if (entry.type === E820_RAM && entry.addr < memEnd && end > memEnd) {
        const delta = end - memEnd;
        entry.size -= delta;
        extraPages += Math.floor(delta / PAGE_SIZE);
        end = memEnd;
      }
      if (end > xenExtraMemStart) xenExtraMemStart = end;
      if ((entry.type !== E820_RAM || entry.addr < memEnd) && entry.size > 0) {
        e820_add_region(e820, entry.addr, entry.size, entry.type, log);
      }
      continue;
    }
    if (entry.type === E820_RAM && end > memEnd) {
      // 2.6.39: "RAM off the end - may be partially included": all of it above mem_end, even an
      // entry wholly above, becomes balloon space
      const delta = Math.min(entry.size, end - memEnd);
      entry.size -= delta;
      extraPages += Math.floor(delta / PAGE_SIZE);
      end -= delta;
    }
    if (entry.size > 0 && end > xenExtraMemStart) xenExtraMemStart = end;
    if (entry.size > 0) e820_add_region(e820, entry.addr, entry.size, entry.type, log);
  }

  // "In domU, the ISA region is normal, usable memory, but we reserve ISA memory anyway
  // because too many things poke about in there."
  e820_add_region(e820, ISA_START_ADDRESS, ISA_END_ADDRESS - ISA_START_ADDRESS, E820_RESERVED, log);

  memblock_x86_reserve_range(mb, options.mfnList, options.ptBase, "XEN START INFO");
  sanitize_e820_map(e820);

  const released = xen_return_unused_memory(options.nrPages, e820, log);
  extraPages += released;

  const extraLimit = Math.min(
    EXTRA_MEM_RATIO * Math.min(maxPfn, Math.floor(MAXMEM / PAGE_SIZE)),
    maxPfn + extraPages,
  );
  extraPages = extraLimit >= maxPfn ? extraLimit - maxPfn : 0;

  let xenExtraMemSize = 0;
  if (extraPages > 0) {
    // xen_add_extra_mem
    const size = extraPages * PAGE_SIZE;
    const extraStart = xenExtraMemStart + xenExtraMemSize;
    e820_add_region(e820, extraStart, size, E820_RAM, log);
    sanitize_e820_map(e820);
    memblock_x86_reserve_range(mb, extraStart, extraStart + size, "XEN EXTRA");
    xenExtraMemSize += size;
  }
  if (kernel === "2.6.39") {
    // identity (1:1) p2m entries for the holes and non-RAM parts of the map Xen gave
    const identityPages = xen_set_identity(options.memoryMap);
    log?.push(`Set ${identityPages} page(s) to 1-1 mapping.`);
  }
  return { xenExtraMemStart, xenExtraMemSize, released, memEnd };
}

/**
 * 2.6.39's `xen_set_identity(list, map_size)` for a domU: count the pfns above 1 MiB that lie in
 * the map's holes and non-RAM entries, which Linux then marks 1:1 in its P2M (`IDENTITY_FRAME`),
 * so that a driver mapping I/O memory there gets the machine frame of the same number. (The
 * model counts them; it keeps no identity P2M entries, because no boot here maps I/O memory.) A
 * toolstack's map, one RAM entry from 0, has none: 0. Dom0 starts from 0 instead of 1 MiB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { E820_RAM, toolstackMemoryMap, xen_set_identity } from "@xenmmu/book";
 * assert.equal(xen_set_identity(toolstackMemoryMap(2 ** 30)), 0);
 * // a hole between 1 GiB and 4 GiB: 3 GiB of pfns set 1:1
 * const map = [
 *   { addr: 0, size: 2 ** 30, type: E820_RAM },
 *   { addr: 2 ** 32, size: 2 ** 30, type: E820_RAM },
 * ];
 * assert.equal(xen_set_identity(map), 3 * 2 ** 18);
 * ```
 *
 * @param list The memory map from `XENMEM_memory_map`, in address order.
 * @returns The number of pfns set to identity.
 */
export function xen_set_identity(list: readonly E820Entry[]): number {
  let last = ISA_END_ADDRESS; // a domU's ISA region is RAM
  let startPci = last;
  let identity = 0;
  for (const entry of list) {
    let start = entry.addr;
    const end = start + entry.size;
    if (start < last) start = last;
    if (end <= start) continue;
    // skip over the 1 MiB region
    if (last > end) continue;
    if (entry.type === E820_RAM || entry.type === E820_UNUSABLE) {
      if (start > startPci) identity += set_phys_range_identity(startPci, start);
      last = end;
      startPci = end;
      continue;
    }
    startPci = Math.min(start, startPci);
    last = end;
  }
  if (last > startPci) identity += set_phys_range_identity(startPci, last);
  return identity;
}

/** How many pfns `set_phys_range_identity(PFN_UP(start), PFN_DOWN(end))` covers. */
function set_phys_range_identity(start: number, end: number): number {
  return Math.max(0, Math.floor(end / PAGE_SIZE) - Math.ceil(start / PAGE_SIZE));
}

/**
 * `xen_memory_setup` of Linux 3.9 for a domU (`arch/x86/xen/setup.c`). In order:
 *
 * 1. `max_pfn = min(MAX_DOMAIN_PAGES, nr_pages)`, `mem_end = max_pfn << PAGE_SHIFT`; the map
 *    from `XENMEM_memory_map` is sanitized;
 * 2. `extra_pages = xen_get_max_pages() - max_pfn`; for a domU `xen_get_max_pages()` is
 *    `MAX_DOMAIN_PAGES` (only dom0 asks Xen for its maximum reservation);
 * 3. `xen_set_identity_and_release`: pfns below `max_pfn` in holes and non-RAM entries (from 0,
 *    not from 1 MiB as in 2.6.3x) are given back to Xen and set 1:1; `xen_populate_chunk` puts
 *    up to that many back into RAM entries above `max_pfn` (raising `max_pfn` to the last one
 *    populated); what stays released is added to `extra_pages`. A toolstack map has one entry
 *    from 0, so nothing happens and — unlike 2.6.3x — nothing is printed;
 * 4. `extra_pages = min(EXTRA_MEM_RATIO * min(max_pfn, PFN_DOWN(MAXMEM)), extra_pages)`: at most
 *    10x the boot allocation (2.6.3x allows `max_pfn + extra <= 10 * max_pfn`, i.e. 9x);
 * 5. every RAM entry is walked: the part below `mem_end` is added as RAM; the part above becomes
 *    balloon space (`xen_add_extra_mem`: RAM in e820, plain `memblock_reserve`, recorded as
 *    `"(xen_add_extra_mem)"`) while `extra_pages` lasts, and `E820_UNUSABLE` after that. So a
 *    domU's region is `[M, M + slack + (maxmem - memory))`, directly after its memory, capped;
 * 6. `[0xa0000, 0x100000)` is added as `E820_RESERVED`;
 * 7. `memblock_reserve(__pa(mfn_list), pt_base - mfn_list)` — 2.6.3x's "XEN START INFO",
 *    unnamed, recorded as `"(xen_memory_setup)"`; the map is sanitized.
 *
 * @param e820 The kernel's map, emptied and rebuilt.
 * @param mb The allocator; receives the balloon region and the start-info range.
 * @param options The start_info values and the toolstack's map (`kernel` is ignored).
 * @param log Receives the kernel's lines (only when pages are released or populated).
 * @returns The balloon region and what stayed released.
 * @throws {RangeError} When an input is malformed; nothing is changed then.
 */
export function xen_memory_setup_39(
  e820: E820Map,
  mb: Memblock,
  options: XenMemorySetupOptions,
  log?: PrintkLog,
): XenMemorySetupResult {
  checkOptions(options);
  const maxDomainPages = options.maxDomainPages ?? maxDomainPages39;
  let maxPfn = Math.min(maxDomainPages, options.nrPages);
  let memEnd = maxPfn * PAGE_SIZE;
  const map: E820Map = { entries: options.memoryMap.map((entry) => ({ ...entry })) };
  sanitize_e820_map(map);

  let extraPages = maxDomainPages > maxPfn ? maxDomainPages - maxPfn : 0;
  let released = xen_set_identity_and_release(map.entries, maxPfn, log);
  const { populated, lastPfn } = xen_populate_chunk(
    map.entries,
    maxPfn,
    options.nrPages,
    released,
    log,
  );
  released -= populated;
  extraPages += released;
  if (lastPfn > maxPfn) {
    maxPfn = Math.min(maxDomainPages, lastPfn);
    memEnd = maxPfn * PAGE_SIZE;
  }
  extraPages = Math.min(
    EXTRA_MEM_RATIO * Math.min(maxPfn, Math.floor(MAXMEM / PAGE_SIZE)),
    extraPages,
  );

  e820.entries = [];
  const regions: { start: number; size: number }[] = [];
  let i = 0;
  while (i < map.entries.length) {
    const entry = map.entries[i];
    const addr = entry.addr;
    let size = entry.size;
    let type = entry.type;
    if (type === E820_RAM) {
      if (addr < memEnd) {
        size = Math.min(size, memEnd - addr);
      } else if (extraPages > 0) {
        size = Math.min(size, extraPages * PAGE_SIZE);
        extraPages -= Math.floor(size / PAGE_SIZE);
        // xen_add_extra_mem: append to a touching region or open a new one
        const last = regions.at(-1);
        if (last !== undefined && last.start + last.size === addr) last.size += size;
        else regions.push({ start: addr, size });
        memblock_reserve_from(mb, addr, size, "xen_add_extra_mem");
      } else {
        type = E820_UNUSABLE;
      }
    }
    // xen_align_and_add_e820_region: RAM shrinks to whole pages
    let start = addr;
    let end = addr + size;
    if (type === E820_RAM) {
      start = Math.ceil(start / PAGE_SIZE) * PAGE_SIZE;
      end = Math.floor(end / PAGE_SIZE) * PAGE_SIZE;
    }
    if (end > start) e820_add_region(e820, start, end - start, type, log);
    entry.addr += size;
    entry.size -= size;
    if (entry.size === 0) i++;
  }

  // "In domU, the ISA region is normal, usable memory, but we reserve ISA memory anyway
  // because too many things poke about in there."
  e820_add_region(e820, ISA_START_ADDRESS, ISA_END_ADDRESS - ISA_START_ADDRESS, E820_RESERVED, log);
  // "Reserve Xen bits: mfn_list, xen_start_info" — the whole range up to pt_base
  memblock_reserve_from(
    mb,
    options.mfnList,
    options.ptBase - options.mfnList,
    "xen_memory_setup",
  );
  sanitize_e820_map(e820);

  return {
    xenExtraMemStart: regions[0]?.start ?? 0,
    xenExtraMemSize: regions.reduce((sum, r) => sum + r.size, 0),
    released,
    memEnd,
  };
}

/**
 * 3.9's `xen_set_identity_and_release`: walk the (sanitized) map, and for each run of holes
 * and non-RAM entries before a RAM entry (or up to the end of the last entry) give back to Xen
 * the pfns below `nr_pages` and set the whole run 1:1. Every pfn below `nr_pages` is populated
 * (the builder populated `xen_start_info->nr_pages >= max_pfn` pages), so each counts.
 */
function xen_set_identity_and_release(
  list: readonly E820Entry[],
  nrPages: number,
  log?: PrintkLog,
): number {
  let start = 0;
  let released = 0;
  let identity = 0;
  list.forEach((entry, i) => {
    const end = entry.addr + entry.size;
    if (entry.type !== E820_RAM && i !== list.length - 1) return;
    const startPfn = Math.floor(start / PAGE_SIZE);
    const endPfn = Math.ceil((entry.type === E820_RAM ? entry.addr : end) / PAGE_SIZE);
    if (startPfn < endPfn) {
      if (startPfn < nrPages) {
        const last = Math.min(endPfn, nrPages);
        log?.push(
          `Freeing ${printkHex(startPfn)}-${printkHex(last)} pfn range: ` +
            `${last - startPfn} pages freed`,
        );
        released += last - startPfn;
      }
      identity += endPfn - startPfn;
    }
    start = end;
  });
  if (released > 0) log?.push(`Released ${released} pages of unused memory`);
  if (identity > 0) log?.push(`Set ${identity} page(s) to 1-1 mapping`);
  return released;
}

/**
 * 3.9's `xen_populate_chunk`: put up to `credits` released pages back, into RAM entries above
 * `max_pfn`, lowest entry first. A pfn already backed (below `nr_pages`) is skipped and not
 * counted; a chunk that comes out short ends the walk. `last_pfn` is `dest + populated` of the
 * last chunk, as the kernel computes it.
 */
function xen_populate_chunk(
  list: readonly E820Entry[],
  maxPfn: number,
  nrPages: number,
  credits: number,
  log?: PrintkLog,
): { populated: number; lastPfn: number } {
  let populated = 0;
  let lastPfn = 0;
  for (const entry of list) {
    if (credits <= 0) break;
    if (entry.type !== E820_RAM) continue;
    const ePfn = Math.floor((entry.addr + entry.size) / PAGE_SIZE);
    if (ePfn <= maxPfn) continue;
    const sPfn = Math.ceil(entry.addr / PAGE_SIZE);
    const dest = sPfn <= maxPfn ? maxPfn : sPfn;
    const capacity = Math.min(credits, ePfn - dest);
    const pfns = Math.max(0, dest + capacity - Math.max(dest, nrPages));
    if (pfns > 0) {
      log?.push(
        `Populating ${printkHex(dest)}-${printkHex(dest + capacity)} pfn range: ` +
          `${pfns} pages added`,
      );
    }
    populated += pfns;
    lastPfn = dest + pfns;
    if (pfns < capacity) break;
    credits -= pfns;
  }
  return { populated, lastPfn };
}

/**
 * `xen_return_unused_memory(max_pfn, e820)`: give back to Xen the pages below `max_pfn` that lie
 * in holes of the map above 1 MiB. Every pfn below `nr_pages` is populated by the domain
 * builder, so each pfn of a hole counts.
 *
 * @param maxPfn `xen_start_info->nr_pages`.
 * @param e820 The sanitized map.
 * @param log Receives `xen_release_chunk` and `released … pages of unused memory` lines.
 * @returns The number of pages released.
 */
export function xen_return_unused_memory(maxPfn: number, e820: E820Map, log?: PrintkLog): number {
  const maxAddr = maxPfn * PAGE_SIZE;
  let lastEnd = ISA_END_ADDRESS;
  let released = 0;
  for (let i = 0; i < e820.entries.length && lastEnd < maxAddr; i++) {
    const end = Math.min(maxAddr, e820.entries[i].addr);
    if (lastEnd < end) released += xen_release_chunk(lastEnd, end, log);
    lastEnd = Math.max(lastEnd, e820.entries[i].addr + e820.entries[i].size);
  }
  if (lastEnd < maxAddr) released += xen_release_chunk(lastEnd, maxAddr, log);
  log?.push(`released ${released} pages of unused memory`);
  return released;
}

function xen_release_chunk(startAddr: number, endAddr: number, log?: PrintkLog): number {
  const start = Math.ceil(startAddr / PAGE_SIZE);
  const end = Math.floor(endAddr / PAGE_SIZE);
  if (end <= start) return 0;
  const len = end - start;
  log?.push(
    `xen_release_chunk: looking at area pfn ${printkHex(start)}-${printkHex(end)}: ` +
      `${len} pages freed`,
  );
  return len;
}

function checkOptions(options: XenMemorySetupOptions): KernelVersion {
  const kernel = checkKernelVersion(options.kernel);
  checkCount("nrPages", options.nrPages);
  checkCount("maxDomainPages", options.maxDomainPages ?? MAX_DOMAIN_PAGES);
  checkBytes("mfnList", options.mfnList);
  checkBytes("ptBase", options.ptBase);
  if (options.ptBase < options.mfnList) {
    throw new RangeError(
      `ptBase 0x${options.ptBase.toString(16)} is below mfnList 0x${
        options.mfnList.toString(16)
      }: the builder puts the page tables after the P2M list`,
    );
  }
  for (const entry of options.memoryMap) {
    checkBytes("memoryMap addr", entry.addr);
    checkBytes("memoryMap size", entry.size);
  }
  return kernel;
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} ${value} is not a whole number of pages of at least 1`);
  }
}

function checkPages(name: string, bytes: number): void {
  checkBytes(name, bytes);
  if (bytes % PAGE_SIZE !== 0) {
    throw new RangeError(`${name} ${bytes} is not a whole number of 4 KiB pages`);
  }
}
