/**
 * A 64-bit Xen PV domU's memory, from `xen_start_kernel` up to its first `init_memory_mapping`
 * (Linux 2.6.38 / 2.6.39) or its `init_mem_mapping` (3.9): the e820 map, memblock with its
 * reservations, `max_pfn`, `max_low_pfn`, `max_pfn_mapped` and (3.9) the BRK page-table seed
 * (Linux 2.6.38 and 2.6.39 `arch/x86/xen/setup.c` and `arch/x86/kernel/setup.c`; 3.9 likewise).
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import type { PgtBuf } from "./find_early_table_space.ts";
import { type StartOfDayLayout, startOfDayLayout } from "../xen/hypervisor/mod.ts";
import {
  e820_end_of_low_ram_pfn,
  e820_end_of_ram_pfn,
  e820_print_map,
  type E820Map,
  e820TypeName,
  MAX_ARCH_PFN,
  type PrintkLog,
} from "./e820.ts";
import { checkKernelVersion, type KernelVersion } from "./kernel_version.ts";
import {
  Memblock,
  MEMBLOCK_ERROR,
  memblock_find_in_range,
  memblock_find_in_range_node,
  memblock_reserve_from,
} from "./memblock.ts";
import { memblock_x86_fill, memblock_x86_reserve_range } from "./memblock_x86.ts";
import { printkHex } from "./printk.ts";
import { BIOS_BEGIN, BIOS_END, DEFAULT_RESERVE_LOW, trim_bios_range } from "./trim_bios_range.ts";
import { KernelPanic } from "./kernel_panic.ts";
import { xenInitialMaxPfnMapped } from "./xen_initial_max_pfn_mapped.ts";
import {
  DEFAULT_SLACK,
  ISA_END_ADDRESS,
  toolstackMemoryMap,
  xen_memory_setup,
  type XenMemorySetupResult,
} from "./xen_memory_setup.ts";

/** `__bss_stop - _text` of the model's default 12 MiB image (`__bss_stop` = 0x1a80000). */
export const DEFAULT_BSS_STOP_OFFSET = 0xa80000;
/** `_brk_end - _text` of that image (`_brk_end` = 0x1a90000: 64 KiB of BRK used). */
export const DEFAULT_BRK_END_OFFSET = 0xa90000;

/**
 * `INIT_PGT_BUF_SIZE` of 3.9 in pages: the page-table seed `early_alloc_pgt_buf` takes from
 * BRK ("need 4 4k for initial PMD_SIZE, 4k for 0-ISA_END_ADDRESS").
 */
export const INIT_PGT_BUF_PAGES = 5;

/** Inputs of {@linkcode setupDomUMemory}. Sizes in bytes, whole pages. */
export interface DomUMemoryOptions {
  /** Which release's code runs. */
  kernel: KernelVersion;
  /** The domain's memory: `nr_pages * 4 KiB`. */
  memory: number;
  /**
   * The toolstack's `maxmem`.
   * @default {memory}
   */
  maxmem?: number;
  /**
   * The toolstack's slack above `maxmem`.
   * @default {8 MiB}
   */
  slack?: number;
  /**
   * The pages the start-of-day area is sized for (the P2M list has one entry per page). Default:
   * the domain's pages. A native machine larger than any PV domain that can be built starts from
   * the area of the largest one that can.
   */
  layoutPages?: number;
  /**
   * `MAX_DOMAIN_PAGES`.
   * @default {128 GiB in pages}
   */
  maxDomainPages?: number;
  /** `CONFIG_PHYSICAL_START` (`_text`). @default {0x1000000} */
  kernelStart?: number;
  /** `_end - _text`. @default {12 MiB} */
  kernelSize?: number;
  /** The uncompressed initrd, 0 for none. @default {8 MiB} */
  initrdSize?: number;
  /** `__bss_stop - _text`. @default {0xa80000} */
  bssStopOffset?: number;
  /**
   * `_brk_end - _text`: what `extend_brk` handed out before `setup_arch` (2.6.3x: before
   * `reserve_brk`; 3.9: before `early_alloc_pgt_buf` adds its 5 pages). @default {0xa90000}
   */
  brkEndOffset?: number;
  /**
   * The trampoline's size, `PAGE_ALIGN(x86_trampoline_end - x86_trampoline_start)` in 2.6.39
   * (`TRAMPOLINE_SIZE` in 2.6.38, `PAGE_ALIGN(real_mode_blob_end - real_mode_blob)` in 3.9): a
   * link-time value this model cannot read off a build, so a parameter; it only moves pages
   * below 640 KiB.
   * @default {4096}
   */
  trampolineSize?: number;
  /**
   * 2.6.38 with `CONFIG_ACPI_SLEEP`: the "ACPI WAKEUP" reservation below 1 MiB; 0 for a kernel
   * without it. Ignored for 2.6.39, whose wakeup code lives in the trampoline.
   * @default {0}
   */
  acpiWakeupSize?: number;
}

/** The domU's memory at its first `init_memory_mapping`. */
export interface DomUMemory {
  /** Which release's code ran. */
  readonly kernel: KernelVersion;
  /** The domain builder's layout. */
  readonly layout: StartOfDayLayout;
  /** The e820 map after `trim_bios_range`. */
  readonly e820: E820Map;
  /** The balloon region and the pages given back. */
  readonly xen: XenMemorySetupResult;
  /** memblock: RAM and every reservation. */
  readonly memblock: Memblock;
  /** `max_pfn` (`e820_end_of_ram_pfn`). */
  readonly maxPfn: number;
  /** `max_low_pfn`. */
  readonly maxLowPfn: number;
  /**
   * `max_pfn_mapped` before the first `init_memory_mapping` (3.9: before `init_mem_mapping`,
   * which sets it to 0 first).
   */
  readonly maxPfnMapped: number;
  /**
   * 3.9 only: the BRK page-table seed of `early_alloc_pgt_buf` in pfns (`pgt_buf_start`,
   * `pgt_buf_end` = start, `pgt_buf_top` = start + {@linkcode INIT_PGT_BUF_PAGES}); inside
   * the "BRK" reservation. Absent for 2.6.3x, whose window `find_early_table_space` places.
   */
  readonly brkPgtBuf?: PgtBuf;
  /** The kernel's log lines, in order. */
  readonly log: PrintkLog;
}

/**
 * Run a domU's early memory setup in the kernel's order (`setup_arch` in 2.6.39):
 *
 * 1. `xen_setup_kernel_pagetable`: "XEN PAGETABLES" `[pt_base, + nr_pt_frames)`;
 * 2. `x86_64_start_reservations`: "TEXT DATA BSS" `[_text, __bss_stop)`, "RAMDISK";
 * 3. `setup_memory_map` → {@linkcode xen_memory_setup} ("XEN START INFO", "XEN EXTRA"), and
 *    the map is printed;
 * 4. `trim_bios_range`; `max_pfn = e820_end_of_ram_pfn()`; `max_low_pfn`
 *    (`e820_end_of_low_ram_pfn()` when `max_pfn` passes 4 GiB);
 * 5. `reserve_brk`: "BRK" `[_brk_start, _brk_end)`;
 * 6. `memblock_x86_fill`; `initial memory mapped : 0 - %08lx`;
 * 7. "TRAMPOLINE" (and, for 2.6.38 with `CONFIG_ACPI_SLEEP`, "ACPI WAKEUP"), placed top-down
 *    below 1 MiB by memblock, i.e. just below 0xa0000.
 *
 * 3.9 takes a different path, {@linkcode setupDomUMemory39}.
 *
 * @param options The domain and the kernel image.
 * @returns The state the first `init_memory_mapping` starts from.
 * @throws {RangeError} When an option is malformed (naming it and the rule broken).
 */
export function setupDomUMemory(options: DomUMemoryOptions): DomUMemory {
  const kernel = checkKernelVersion(options.kernel);
  const memory = options.memory;
  checkPages("memory", memory, 1);
  const maxmem = options.maxmem ?? memory;
  checkPages("maxmem", maxmem, memory);
  const slack = options.slack ?? DEFAULT_SLACK;
  checkPages("slack", slack, 0);
  const trampolineSize = options.trampolineSize ?? PAGE_SIZE;
  checkPages("trampolineSize", trampolineSize, PAGE_SIZE);
  const acpiWakeupSize = options.acpiWakeupSize ?? 0;
  checkPages("acpiWakeupSize", acpiWakeupSize, 0);
  const nrPages = memory / PAGE_SIZE;
  const layout = startOfDayLayout({
    nrPages: options.layoutPages ?? nrPages,
    kernelStart: options.kernelStart,
    kernelSize: options.kernelSize,
    initrdSize: options.initrdSize,
  });
  const text = layout.kernel.start * PAGE_SIZE;
  const endOfImage = layout.kernel.end * PAGE_SIZE;
  const bssStop = text + (options.bssStopOffset ?? DEFAULT_BSS_STOP_OFFSET);
  const brkStart = Math.ceil(bssStop / PAGE_SIZE) * PAGE_SIZE; // .brk is page-aligned after .bss
  const brkEnd = text + (options.brkEndOffset ?? DEFAULT_BRK_END_OFFSET);
  if (!(text < bssStop && brkStart <= brkEnd && brkEnd <= endOfImage)) {
    throw new RangeError(
      `Kernel image symbols out of order (_text 0x${text.toString(16)}, __bss_stop 0x${
        bssStop.toString(16)
      }, _brk_end 0x${brkEnd.toString(16)}, _end 0x${endOfImage.toString(16)}): ` +
        "they must satisfy _text < __bss_stop <= PAGE_ALIGN(__bss_stop) <= _brk_end <= _end",
    );
  }

  if (kernel === "3.9") {
    return setupDomUMemory39(options, {
      layout,
      nrPages,
      maxmem,
      slack,
      trampolineSize,
      text,
      bssStop,
      brkStart,
      brkEnd,
      endOfImage,
    });
  }

  const log: PrintkLog = [];
  const mb = new Memblock();
  const reserve = (start: number, end: number, name: string) =>
    memblock_x86_reserve_range(mb, start, end, name);

  // xen_start_kernel → xen_setup_kernel_pagetable
  reserve(layout.pageTables.start * PAGE_SIZE, layout.pageTables.end * PAGE_SIZE, "XEN PAGETABLES");
  // x86_64_start_reservations
  reserve(text, bssStop, "TEXT DATA BSS");
  if (layout.initrd.end > layout.initrd.start) {
    reserve(layout.initrd.start * PAGE_SIZE, layout.initrd.end * PAGE_SIZE, "RAMDISK");
  }

  // setup_arch → setup_memory_map
  const e820: E820Map = { entries: [] };
  const xen = xen_memory_setup(e820, mb, {
    kernel,
    nrPages,
    memoryMap: toolstackMemoryMap(maxmem, slack),
    mfnList: layout.p2m.start * PAGE_SIZE,
    ptBase: layout.pageTables.start * PAGE_SIZE,
    maxDomainPages: options.maxDomainPages,
  }, log);
  log.push("BIOS-provided physical RAM map:", ...e820_print_map(e820, "Xen"));

  trim_bios_range(e820, log);
  const maxPfn = e820_end_of_ram_pfn(e820, log);
  const maxLowPfn = maxPfn > 2 ** 20 ? e820_end_of_low_ram_pfn(e820, log) : maxPfn;

  // reserve_brk: "Need to conclude brk, before memblock_x86_fill()"
  reserve(brkStart, brkEnd, "BRK");
  memblock_x86_fill(mb, e820);
  const maxPfnMapped = xenInitialMaxPfnMapped(kernel, layout, nrPages);
  log.push(`initial memory mapped : 0 - ${printkHex(maxPfnMapped * PAGE_SIZE, 8)}`);

  // setup_trampolines (2.6.39) / reserve_trampoline_memory (2.6.38): real-mode code must sit
  // below 1 MiB.
  const trampoline = findLow(mb, trampolineSize);
  reserve(trampoline, trampoline + trampolineSize, "TRAMPOLINE");
  if (kernel === "2.6.39") {
    log.push(trampolineLine(trampoline, trampolineSize));
  } else if (acpiWakeupSize > 0) {
    const wakeup = findLow(mb, acpiWakeupSize);
    reserve(wakeup, wakeup + acpiWakeupSize, "ACPI WAKEUP");
  }

  return {
    kernel,
    layout,
    e820,
    xen,
    memblock: mb,
    maxPfn,
    maxLowPfn,
    maxPfnMapped,
    log,
  };
}

/**
 * The line 2.6.39 and 3.9 print once the real-mode trampoline is reserved. The `%p` of
 * `__va(mem)`: the direct map starts at 0xffff880000000000 and `mem` is below 1 MiB.
 */
function trampolineLine(base: number, size: number): string {
  return `Base memory trampoline at [ffff8800${printkHex(base, 8)}] ${
    printkHex(base)
  } size ${size}`;
}

/** What {@linkcode setupDomUMemory} has worked out before it branches to 3.9. */
interface Checked39 {
  layout: StartOfDayLayout;
  nrPages: number;
  maxmem: number;
  slack: number;
  trampolineSize: number;
  text: number;
  bssStop: number;
  brkStart: number;
  brkEnd: number;
  endOfImage: number;
}

/**
 * Linux 3.9's path, in the kernel's order (every reservation a plain `memblock_reserve`,
 * recorded as `"(caller)"`, see {@linkcode memblock_reserve_from}):
 *
 * 1. `xen_setup_kernel_pagetable`: `check_pt_base` recycles Xen's L4, then the L3, then the L2
 *    of the kernel map when each is the lowest page left of `[pt_base, pt_end)` — for the
 *    toolstack's L4, L3, L2, L1… order all three — and reserves the rest, `[pt_base + 3,
 *    pt_end)` ("XEN PAGETABLES");
 * 2. `setup_arch` reserves `[_text, __bss_stop)` ("TEXT DATA BSS") and `early_reserve_initrd`
 *    `[ramdisk_image, PAGE_ALIGN(end))` ("RAMDISK");
 * 3. `setup_memory_map` → {@linkcode xen_memory_setup_39} (the balloon region right after the
 *    domain's memory, and `[mfn_list, pt_base)`, 2.6.3x's "XEN START INFO"); the map is printed
 *    in 3.9's `[mem …]` form;
 * 4. `trim_bios_range` now retypes only page 0 (the 64 KiB move to step 9);
 *    `max_pfn`, `max_low_pfn` as in 2.6.3x;
 * 5. `early_alloc_pgt_buf`: `extend_brk(5 pages)` at `_brk_end`, after what Xen's early code
 *    took ({@linkcode DomUMemory.brkPgtBuf});
 * 6. `reserve_brk`: `[_brk_start, _brk_end)`, seed included ("BRK");
 * 7. `memblock.current_limit = ISA_END_ADDRESS`; `memblock_x86_fill`. On 64-bit 3.9 no longer
 *    prints "initial memory mapped" (the line is `CONFIG_X86_32` only since the early #PF
 *    handler);
 * 8. `reserve_real_mode`: the trampoline, top-down in `[PAGE_SIZE, 1 MiB)` (3.9's search), i.e.
 *    just below 0xa0000, with its `Base memory trampoline` line;
 * 9. `trim_low_memory_range`: `memblock_reserve(0, 64 KiB)`.
 *
 * `max_pfn_mapped` is `PFN_DOWN(__pa(mfn_list))` as in 2.6.39. 3.9 then maps `[0, max_pfn)` in
 * one `init_mem_mapping`, which is not this function's business.
 */
function setupDomUMemory39(options: DomUMemoryOptions, c: Checked39): DomUMemory {
  const log: PrintkLog = [];
  const mb = new Memblock();
  const { layout } = c;

  // xen_setup_kernel_pagetable: check_pt_base(&pt_base, &pt_end, addr) for the L4 (pgd), the
  // L3 and L2 reached through pgd[pgd_index(__START_KERNEL_map)].
  let ptBase = layout.pageTables.start;
  let ptEnd = layout.pageTables.end;
  const { l4, l3 } = layout.tableCounts;
  for (
    const pfn of [
      layout.pageTables.start,
      layout.pageTables.start + l4,
      layout.pageTables.start + l4 + l3,
    ]
  ) {
    if (ptBase === pfn) ptBase++;
    if (ptEnd === pfn) ptEnd--; // never for the builder's layout: pt_end is one past the tables
  }
  memblock_reserve_from(
    mb,
    ptBase * PAGE_SIZE,
    (ptEnd - ptBase) * PAGE_SIZE,
    "xen_setup_kernel_pagetable",
  );

  // setup_arch: the kernel image and early_reserve_initrd
  memblock_reserve_from(mb, c.text, c.bssStop - c.text, "setup_arch");
  if (layout.initrd.end > layout.initrd.start) {
    memblock_reserve_from(
      mb,
      layout.initrd.start * PAGE_SIZE,
      (layout.initrd.end - layout.initrd.start) * PAGE_SIZE,
      "early_reserve_initrd",
    );
  }

  const e820: E820Map = { entries: [] };
  const xen = xen_memory_setup(e820, mb, {
    kernel: "3.9",
    nrPages: c.nrPages,
    memoryMap: toolstackMemoryMap(c.maxmem, c.slack),
    mfnList: layout.p2m.start * PAGE_SIZE,
    ptBase: layout.pageTables.start * PAGE_SIZE,
    maxDomainPages: options.maxDomainPages,
  }, log);
  log.push("e820: BIOS-provided physical RAM map:");
  for (const e of e820.entries) {
    log.push(
      `Xen: [mem ${printkHex(e.addr, 18, true)}-${printkHex(e.addr + e.size - 1, 18, true)}] ${
        e820TypeName(e.type).replace(/^\((.*)\)$/, "$1")
      }`,
    );
  }

  // trim_bios_range: 3.9 retypes only the first page; trim_low_memory_range reserves the rest
  trim_bios_range(e820, undefined, PAGE_SIZE);
  log.push(
    `e820: update [mem ${printkHex(0, 10, true)}-${
      printkHex(PAGE_SIZE - 1, 10, true)
    }] usable ==> reserved`,
    `e820: remove [mem ${printkHex(BIOS_BEGIN, 10, true)}-${
      printkHex(BIOS_END - 1, 10, true)
    }] usable`,
  );
  const maxPfn = e820_end_of_ram_pfn(e820);
  log.push(lastPfnLine(maxPfn));
  let maxLowPfn = maxPfn;
  if (maxPfn > 2 ** 20) {
    maxLowPfn = e820_end_of_low_ram_pfn(e820);
    log.push(lastPfnLine(maxLowPfn));
  }

  // early_alloc_pgt_buf: extend_brk(INIT_PGT_BUF_SIZE, PAGE_SIZE) at the current _brk_end
  const seed = Math.ceil(c.brkEnd / PAGE_SIZE);
  const brkEnd = (seed + INIT_PGT_BUF_PAGES) * PAGE_SIZE;
  if (brkEnd > c.endOfImage) {
    throw new RangeError(
      `brkEndOffset 0x${(c.brkEnd - c.text).toString(16)} leaves no room for the 5-page BRK ` +
        `seed below _end 0x${c.endOfImage.toString(16)}: extend_brk must stay below __brk_limit`,
    );
  }
  const brkPgtBuf = { start: seed, end: seed, top: seed + INIT_PGT_BUF_PAGES };
  // reserve_brk: "Need to conclude brk, before memblock_x86_fill()"
  memblock_reserve_from(mb, c.brkStart, brkEnd - c.brkStart, "reserve_brk");

  mb.currentLimit = ISA_END_ADDRESS;
  memblock_x86_fill(mb, e820);

  // reserve_real_mode: "Has to be under 1M so we can execute real-mode AP code."
  const trampoline = memblock_find_in_range_node(mb, 0, 1 << 20, c.trampolineSize, PAGE_SIZE);
  if (trampoline === MEMBLOCK_ERROR) throw new KernelPanic("Cannot allocate trampoline");
  memblock_reserve_from(mb, trampoline, c.trampolineSize, "reserve_real_mode");
  log.push(trampolineLine(trampoline, c.trampolineSize));
  // trim_low_memory_range: memblock_reserve(0, ALIGN(reserve_low, PAGE_SIZE))
  memblock_reserve_from(mb, 0, DEFAULT_RESERVE_LOW, "trim_low_memory_range");

  return {
    kernel: "3.9",
    layout,
    e820,
    xen,
    memblock: mb,
    maxPfn,
    maxLowPfn,
    maxPfnMapped: xenInitialMaxPfnMapped("3.9", layout, c.nrPages),
    brkPgtBuf,
    log,
  };
}

function lastPfnLine(pfn: number): string {
  return `e820: last_pfn = ${printkHex(pfn, 0, true)} max_arch_pfn = ${
    printkHex(MAX_ARCH_PFN, 0, true)
  }`;
}

function findLow(mb: Memblock, size: number): number {
  const mem = memblock_find_in_range(mb, 0, 1 << 20, size, PAGE_SIZE);
  if (mem === MEMBLOCK_ERROR) throw new KernelPanic("Cannot allocate trampoline");
  return mem;
}

function checkPages(name: string, bytes: number, min: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < min || bytes % PAGE_SIZE !== 0) {
    throw new RangeError(
      `${name} ${bytes} is not a whole number of 4 KiB pages of at least ${min} bytes`,
    );
  }
}
