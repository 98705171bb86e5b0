/**
 * A 64-bit Xen PV domU's memory, from `xen_start_kernel` up to its first `init_memory_mapping`
 * (Linux 2.6.38 / 2.6.39): the e820 map, memblock with its named reservations, `max_pfn`,
 * `max_low_pfn` and `max_pfn_mapped` (addendum §12.2).
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import { type StartOfDayLayout, startOfDayLayout } from "../xen/hypervisor/mod.ts";
import {
  e820_end_of_low_ram_pfn,
  e820_end_of_ram_pfn,
  e820_print_map,
  type E820Map,
  type PrintkLog,
} from "./e820.ts";
import { checkKernelVersion, type KernelVersion } from "./kernel_version.ts";
import { Memblock, MEMBLOCK_ERROR, memblock_find_in_range } from "./memblock.ts";
import { memblock_x86_fill, memblock_x86_reserve_range } from "./memblock_x86.ts";
import { printkHex } from "./printk.ts";
import { trim_bios_range } from "./trim_bios_range.ts";
import { KernelPanic } from "./kernel_panic.ts";
import { xenInitialMaxPfnMapped } from "./xen_initial_max_pfn_mapped.ts";
import {
  DEFAULT_SLACK,
  toolstackMemoryMap,
  xen_memory_setup,
  type XenMemorySetupResult,
} from "./xen_memory_setup.ts";

/** `__bss_stop - _text` of the addendum's assumed 12 MiB image (`__bss_stop` = 0x1a80000). */
export const DEFAULT_BSS_STOP_OFFSET = 0xa80000;
/** `_brk_end - _text` of that image (`_brk_end` = 0x1a90000: 64 KiB of BRK used). */
export const DEFAULT_BRK_END_OFFSET = 0xa90000;

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
  /** `_brk_end - _text`. @default {0xa90000} */
  brkEndOffset?: number;
  /**
   * The trampoline's size, `PAGE_ALIGN(x86_trampoline_end - x86_trampoline_start)` in 2.6.39
   * (`TRAMPOLINE_SIZE` in 2.6.38): a link-time value this model cannot read off a build, so a
   * parameter; it only moves pages below 640 KiB.
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
  /** `max_pfn_mapped` before the first `init_memory_mapping`. */
  readonly maxPfnMapped: number;
  /** The kernel's log lines, in order. */
  readonly log: PrintkLog;
}

/**
 * Run a domU's early memory setup in the kernel's order (addendum §12.2.1):
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
    nrPages,
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
    log.push(
      // %p of __va(mem): the direct map starts at 0xffff880000000000 and mem is below 1 MiB.
      `Base memory trampoline at [ffff8800${printkHex(trampoline, 8)}] ${
        printkHex(trampoline)
      } size ${trampolineSize}`,
    );
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
