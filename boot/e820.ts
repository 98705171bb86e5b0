/**
 * The e820 memory map and the functions of `arch/x86/kernel/e820.c` (Linux 2.6.38 / 2.6.39)
 * that a Xen PV domU's boot runs on it: adding, sanitizing, updating and removing ranges,
 * printing the map, and finding the end of RAM.
 *
 * Addresses and sizes are bytes held in numbers: exact up to 2^53, far beyond the 1 TiB this
 * model simulates.
 *
 * @module
 */

import { PAGE_SHIFT } from "../mmu/mod.ts";
import { printkHex } from "./printk.ts";

/** Usable RAM. */
export const E820_RAM = 1;
/** Reserved: not RAM for the kernel. */
export const E820_RESERVED = 2;
/** ACPI tables (reclaimable). */
export const E820_ACPI = 3;
/** ACPI non-volatile storage. */
export const E820_NVS = 4;
/** Memory the firmware marked unusable. */
export const E820_UNUSABLE = 5;
/** RAM the kernel reserved for itself (setup data); counted as RAM. */
export const E820_RESERVED_KERN = 128;

/** How many entries the kernel's `struct e820map` holds (`E820_X_MAX`, no EFI extension). */
export const E820_X_MAX = 128;

/** The highest pfn x86-64 can address: `MAX_ARCH_PFN = MAXMEM >> PAGE_SHIFT` (64 TiB). */
export const MAX_ARCH_PFN: number = 2 ** 46 / 2 ** PAGE_SHIFT;

/** One `struct e820entry`: `[addr, addr + size)` of one type. */
export interface E820Entry {
  /** The first byte. */
  addr: number;
  /** The length in bytes (0 marks an entry `e820_remove_range` cleared). */
  size: number;
  /** `E820_RAM`, `E820_RESERVED`, … */
  type: number;
}

/** A `struct e820map`: the entries in the order the kernel keeps them. */
export interface E820Map {
  /** The entries (`map[0 .. nr_map)`). */
  entries: E820Entry[];
}

/** Where printk lines go: an array the caller reads afterwards. */
export type PrintkLog = string[];

/**
 * `__e820_add_region`: append an entry, without sorting or merging (that is
 * {@linkcode sanitize_e820_map}'s job).
 *
 * @param e820 The map.
 * @param start The first byte.
 * @param size The length in bytes.
 * @param type The entry type.
 * @param log Receives the kernel's complaint when the map is full.
 */
export function e820_add_region(
  e820: E820Map,
  start: number,
  size: number,
  type: number,
  log?: PrintkLog,
): void {
  if (e820.entries.length >= E820_X_MAX) {
    log?.push("Ooops! Too many entries in the memory map!");
    return;
  }
  e820.entries.push({ addr: start, size, type });
}

/**
 * `sanitize_e820_map`: sort the map, resolve overlaps in favour of the highest type number, and
 * merge neighbours of the same type (the change-point algorithm of the kernel).
 *
 * @param e820 The map, rewritten in place.
 * @returns 0, or -1 when there was nothing to do (fewer than two entries) or an entry wraps
 *   around the address space; the map is then unchanged.
 */
export function sanitize_e820_map(e820: E820Map): number {
  const bios = e820.entries;
  if (bios.length < 2) return -1;
  if (bios.some((e) => e.addr + e.size < e.addr)) return -1;

  // A change point is where an entry starts or ends; `entry` identifies it as `pbios` does.
  const points: { addr: number; entry: number; isStart: boolean }[] = [];
  bios.forEach((e, i) => {
    if (e.size === 0) return;
    points.push({ addr: e.addr, entry: i, isStart: true });
    points.push({ addr: e.addr + e.size, entry: i, isStart: false });
  });
  // Low to high; at equal addresses starts come before ends, so that two touching entries of
  // the same type overlap for an instant and come out merged (the kernel's swap rule).
  points.sort((a, b) => a.addr - b.addr || Number(b.isStart) - Number(a.isStart));

  const overlap = new Set<number>();
  const out: E820Entry[] = [];
  let lastType = 0;
  let lastAddr = 0;
  for (const point of points) {
    if (point.isStart) overlap.add(point.entry);
    else overlap.delete(point.entry);
    let currentType = 0;
    for (const i of overlap) currentType = Math.max(currentType, bios[i].type);
    if (currentType === lastType) continue;
    if (lastType !== 0) {
      const size = point.addr - lastAddr;
      if (size !== 0) out[out.length - 1].size = size;
      else out.pop();
    }
    if (currentType !== 0) {
      out.push({ addr: point.addr, size: 0, type: currentType });
      lastAddr = point.addr;
    }
    lastType = currentType;
  }
  e820.entries = out;
  return 0;
}

/**
 * `e820_update_range`: retype the parts of `old_type` entries inside `[start, start + size)`.
 *
 * @param e820 The map (entries may be split; call {@linkcode sanitize_e820_map} after).
 * @param start The first byte.
 * @param size The length in bytes.
 * @param oldType The type to change.
 * @param newType The type it becomes.
 * @param log Receives the kernel's `e820 update range:` debug line.
 * @returns The number of bytes retyped.
 */
export function e820_update_range(
  e820: E820Map,
  start: number,
  size: number,
  oldType: number,
  newType: number,
  log?: PrintkLog,
): number {
  if (oldType === newType) {
    throw new RangeError(`e820_update_range from type ${oldType} to itself: the types must differ`);
  }
  const end = start + size;
  log?.push(
    `e820 update range: ${printkHex(start, 16)} - ${printkHex(end, 16)} ` +
      `${e820TypeName(oldType)} ==> ${e820TypeName(newType)}`,
  );
  let updated = 0;
  // Entries appended inside the loop are visited too, as in the kernel (they never match).
  for (let i = 0; i < e820.entries.length; i++) {
    const ei = e820.entries[i];
    if (ei.type !== oldType) continue;
    const eiEnd = ei.addr + ei.size;
    if (ei.addr >= start && eiEnd <= end) {
      ei.type = newType;
      updated += ei.size;
      continue;
    }
    if (ei.addr < start && eiEnd > end) {
      e820_add_region(e820, start, size, newType, log);
      e820_add_region(e820, end, eiEnd - end, ei.type, log);
      ei.size = start - ei.addr;
      updated += size;
      continue;
    }
    const finalStart = Math.max(start, ei.addr);
    const finalEnd = Math.min(end, eiEnd);
    if (finalStart >= finalEnd) continue;
    e820_add_region(e820, finalStart, finalEnd - finalStart, newType, log);
    updated += finalEnd - finalStart;
    ei.size -= finalEnd - finalStart;
    if (ei.addr < finalStart) continue;
    ei.addr = finalEnd;
  }
  return updated;
}

/**
 * `e820_remove_range`: make the map not cover `[start, start + size)` (only entries of
 * `oldType` when `checktype`). Entries removed whole are zeroed, as the kernel's `memset` does,
 * until the next {@linkcode sanitize_e820_map}.
 *
 * @param e820 The map.
 * @param start The first byte.
 * @param size The length in bytes.
 * @param oldType The type to remove when `checktype` is set.
 * @param checktype Whether to remove only entries of `oldType`.
 * @param log Receives the kernel's `e820 remove range:` debug line.
 * @returns The number of bytes removed.
 */
export function e820_remove_range(
  e820: E820Map,
  start: number,
  size: number,
  oldType: number,
  checktype: boolean,
  log?: PrintkLog,
): number {
  const end = start + size;
  log?.push(
    `e820 remove range: ${printkHex(start, 16)} - ${printkHex(end, 16)} ` +
      (checktype ? e820TypeName(oldType) : ""),
  );
  let removed = 0;
  for (let i = 0; i < e820.entries.length; i++) {
    const ei = e820.entries[i];
    if (checktype && ei.type !== oldType) continue;
    const eiEnd = ei.addr + ei.size;
    if (ei.addr >= start && eiEnd <= end) {
      removed += ei.size;
      ei.addr = ei.size = ei.type = 0;
      continue;
    }
    if (ei.addr < start && eiEnd > end) {
      e820_add_region(e820, end, eiEnd - end, ei.type, log);
      ei.size = start - ei.addr;
      removed += size;
      continue;
    }
    const finalStart = Math.max(start, ei.addr);
    const finalEnd = Math.min(end, eiEnd);
    if (finalStart >= finalEnd) continue;
    removed += finalEnd - finalStart;
    ei.size -= finalEnd - finalStart;
    if (ei.addr < finalStart) continue;
    ei.addr = finalEnd;
  }
  return removed;
}

/**
 * `e820_print_type`: how the kernel names an entry type in the map it prints.
 *
 * @param type The entry type.
 * @returns `(usable)`, `(reserved)`, … or `type N`.
 */
export function e820TypeName(type: number): string {
  switch (type) {
    case E820_RAM:
    case E820_RESERVED_KERN:
      return "(usable)";
    case E820_RESERVED:
      return "(reserved)";
    case E820_ACPI:
      return "(ACPI data)";
    case E820_NVS:
      return "(ACPI NVS)";
    case E820_UNUSABLE:
      return "(unusable)";
    default:
      return `type ${type}`;
  }
}

/**
 * `e820_print_map(who)`: the map as 2.6.38 / 2.6.39 print it, one line per entry, e.g.
 * ` Xen: 0000000000000000 - 00000000000a0000 (usable)` (`" %s: %016Lx - %016Lx "` and the type).
 *
 * @param e820 The map.
 * @param who The name of the map's source (`Xen` for a PV guest, `BIOS-e820` on hardware).
 * @returns The lines, without the `BIOS-provided physical RAM map:` header.
 */
export function e820_print_map(e820: E820Map, who: string): string[] {
  return e820.entries.map((e) =>
    ` ${who}: ${printkHex(e.addr, 16)} - ${printkHex(e.addr + e.size, 16)} ${e820TypeName(e.type)}`
  );
}

/**
 * `e820_end_pfn`: one past the last page of `type` below `limitPfn`; an entry that crosses the
 * limit stops the scan at the limit.
 *
 * @param e820 The map (sorted: the scan relies on it, as the kernel's does).
 * @param limitPfn The pfn not to go past.
 * @param type The entry type to look at.
 * @param log Receives the kernel's `last_pfn = … max_arch_pfn = …` line.
 * @returns The pfn.
 */
export function e820_end_pfn(
  e820: E820Map,
  limitPfn: number,
  type: number,
  log?: PrintkLog,
): number {
  let lastPfn = 0;
  for (const ei of e820.entries) {
    if (ei.type !== type) continue;
    const startPfn = Math.floor(ei.addr / 2 ** PAGE_SHIFT);
    const endPfn = Math.floor((ei.addr + ei.size) / 2 ** PAGE_SHIFT);
    if (startPfn >= limitPfn) continue;
    if (endPfn > limitPfn) {
      lastPfn = limitPfn;
      break;
    }
    if (endPfn > lastPfn) lastPfn = endPfn;
  }
  if (lastPfn > MAX_ARCH_PFN) lastPfn = MAX_ARCH_PFN;
  log?.push(
    `last_pfn = ${printkHex(lastPfn, 0, true)} max_arch_pfn = ${printkHex(MAX_ARCH_PFN, 0, true)}`,
  );
  return lastPfn;
}

/**
 * `e820_end_of_ram_pfn`: the end of RAM, which `setup_arch` makes `max_pfn`.
 *
 * @param e820 The map.
 * @param log Receives the kernel's `last_pfn` line.
 * @returns One past the last RAM pfn.
 */
export function e820_end_of_ram_pfn(e820: E820Map, log?: PrintkLog): number {
  return e820_end_pfn(e820, MAX_ARCH_PFN, E820_RAM, log);
}

/**
 * `e820_end_of_low_ram_pfn`: the end of RAM below 4 GiB, which `setup_arch` makes
 * `max_low_pfn` when `max_pfn` is above 4 GiB.
 *
 * @param e820 The map.
 * @param log Receives the kernel's `last_pfn` line.
 * @returns One past the last RAM pfn below 4 GiB (at most `0x100000`).
 */
export function e820_end_of_low_ram_pfn(e820: E820Map, log?: PrintkLog): number {
  return e820_end_pfn(e820, 2 ** (32 - PAGE_SHIFT), E820_RAM, log);
}

/**
 * `e820_any_mapped(start, end, type)`: whether any entry of the map (of `type`, or of any type
 * when `type` is 0) overlaps `[start, end)`. `phys_pud_init` uses it to skip whole GiBs that the
 * map does not mention.
 *
 * @param e820 The map.
 * @param start The first byte.
 * @param end One past the last byte.
 * @param type An `E820_*` type, or 0 for any.
 * @returns True when some entry overlaps.
 */
export function e820_any_mapped(e820: E820Map, start: number, end: number, type: number): boolean {
  return e820.entries.some((e) =>
    e.size > 0 && (type === 0 || e.type === type) && e.addr < end && e.addr + e.size > start
  );
}
