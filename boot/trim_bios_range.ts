/**
 * `trim_bios_range` (`arch/x86/kernel/setup.c`, 2.6.38 / 2.6.39).
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import {
  E820_RAM,
  e820_remove_range,
  E820_RESERVED,
  e820_update_range,
  type E820Map,
  type PrintkLog,
  sanitize_e820_map,
} from "./e820.ts";

/** `CONFIG_X86_RESERVE_LOW` (KiB) by default: the low memory some BIOSes corrupt. */
export const DEFAULT_RESERVE_LOW: number = 64 * 1024;
/** `BIOS_BEGIN`: the PC BIOS area starts at 640 KiB. */
export const BIOS_BEGIN = 0xa0000;
/** `BIOS_END`: and ends at 1 MiB. */
export const BIOS_END = 0x100000;

/**
 * `trim_bios_range`: mark the first `reserve_low` bytes (64 KiB by default) reserved, because
 * some BIOSes scribble there, remove the PC BIOS area `[640 KiB, 1 MiB)` from RAM, and sanitize.
 *
 * @param e820 The map, changed in place.
 * @param log Receives the `e820 update range` / `e820 remove range` debug lines.
 * @param reserveLow `reservelow=` in bytes.
 */
export function trim_bios_range(
  e820: E820Map,
  log?: PrintkLog,
  reserveLow: number = DEFAULT_RESERVE_LOW,
): void {
  const aligned = Math.ceil(reserveLow / PAGE_SIZE) * PAGE_SIZE;
  e820_update_range(e820, 0, aligned, E820_RAM, E820_RESERVED, log);
  e820_remove_range(e820, BIOS_BEGIN, BIOS_END - BIOS_BEGIN, E820_RAM, true, log);
  sanitize_e820_map(e820);
}
