/**
 * The hardware page walk of 4-level x86-64 paging, reporting every level it
 * visits, in the spirit of OSTEP's `paging-multilevel-translate.py`.
 *
 * @module
 */

import { describeFlags, entryFlags, entryFrame, formatEntry } from "./entry.ts";
import { PAGE_SIZE, PMD_SIZE, PUD_SIZE } from "./page_64_types.ts";
import type { PageTableMemory } from "./page_table_memory.ts";
import {
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  _PAGE_USER,
  type TableLevel,
  XEN_LEVEL_NAME,
} from "./pgtable_types.ts";
import { formatVirt, pgd_index, pmd_index, pte_index, pud_index } from "./virtual_address.ts";

// This module's own copies of the flag bits canWrite tests: V8 folds a module's own constants
// into the code it compiles, and reads imported ones from their bindings at each use.
const PRESENT = _PAGE_PRESENT;
const PSE = _PAGE_PSE;
const RW = _PAGE_RW;

/** One entry the walk read. */
export interface WalkStep {
  /** Which level the table is. */
  readonly level: TableLevel;
  /** The frame of the table. */
  readonly table: number;
  /** The entry's index in it. */
  readonly index: number;
  /** The entry's low half. */
  readonly lo: number;
  /** The entry's high half. */
  readonly hi: number;
}

/** Why a walk did not produce a translation. */
export interface WalkFault {
  /** The level of the entry that stopped the walk. */
  readonly level: TableLevel;
  /** What was wrong with it. */
  readonly reason: "not-present" | "reserved-bit" | "protection";
  /** One sentence for people. */
  readonly detail: string;
}

/** The kind of access being translated. */
export type WalkAccess = "read" | "write" | "exec";

/** Options of {@linkcode walk}. */
export interface WalkOptions {
  /**
   * The access to check against the permissions of the path.
   * @default {"read"}
   */
  access?: WalkAccess;
  /**
   * Whether the access comes from user mode (CPL 3).
   * @default {false}
   */
  user?: boolean;
}

/** What a walk found. */
export interface WalkResult {
  /** The 48-bit virtual address walked. */
  readonly address: number;
  /** The entries read, from the PGD down. */
  readonly steps: readonly WalkStep[];
  /** Null when the address translated and the access is allowed. */
  readonly fault: WalkFault | null;
  /** The physical address, when a leaf entry was found (even if the access is refused). */
  readonly pa: number | null;
  /** The size of the page mapped by the leaf: 4 KiB, 2 MiB or 1 GiB. */
  readonly pageSize: number | null;
  /** Writes allowed: RW is set at every level. */
  readonly writable: boolean;
  /** User access allowed: US is set at every level. */
  readonly user: boolean;
  /** Instruction fetch allowed: NX is clear at every level. */
  readonly executable: boolean;
}

const LEVELS: readonly TableLevel[] = ["pgd", "pud", "pmd", "pte"];

/**
 * Translate `address` the way the MMU does, starting at the table in `cr3`.
 *
 * At each level the walk reads one entry: not present stops it
 * (`not-present`); PSE in a PUD entry makes a 1 GiB page and in a PMD entry a
 * 2 MiB page, whose entry bit 12 is PAT and whose bits 13..20 (29 for 1 GiB)
 * must be zero; PSE in a PGD entry, or one of those bits set, is a reserved
 * bit (`reserved-bit`). The
 * permissions of the path are combined as the CPU does (RW and US must be set
 * at every level, NX anywhere forbids fetches; supervisor writes obey RW
 * because Linux runs with CR0.WP set), and a refused access is a
 * `protection` fault. Accessed and dirty bits are not updated.
 *
 * @example Walk a direct-map address through four tables
 * ```ts
 * import assert from "node:assert/strict";
 * import { _KERNPG_TABLE, makeEntry, PAGE_KERNEL, PageTableMemory, virt, walk } from "@xenmmu/book";
 * const mem = new PageTableMemory(64);
 * mem.write(1, 272, makeEntry(2, _KERNPG_TABLE)); // pgd -> pud table
 * mem.write(2, 0, makeEntry(3, _KERNPG_TABLE)); // pud -> pmd table
 * mem.write(3, 0, makeEntry(4, _KERNPG_TABLE)); // pmd -> pte table
 * mem.write(4, 5, makeEntry(40, PAGE_KERNEL)); // pte -> frame 40
 * const r = walk(mem, 0x1000, virt("0xffff880000005123"));
 * assert.equal(r.fault, null);
 * assert.equal(r.pa, 40 * 4096 + 0x123);
 * assert.equal(walk(mem, 0x1000, virt("0xffff880000006000")).fault?.reason, "not-present");
 * ```
 *
 * @param mem The machine's memory.
 * @param cr3 The physical address of the top-level table, 4 KiB aligned.
 * @param address The 48-bit virtual address.
 * @param options The access to check.
 * @returns Every step, and the translation or the fault.
 * @throws {RangeError} When `cr3` is not a 4 KiB-aligned address in memory, or an entry points
 *   outside memory.
 * @throws {TypeError} When `options.access` is not an access or `options.user` not a boolean.
 */
export function walk(
  mem: PageTableMemory,
  cr3: number,
  address: number,
  options: WalkOptions = {},
): WalkResult {
  if (!Number.isInteger(cr3) || cr3 < 0 || cr3 % PAGE_SIZE !== 0) {
    throw new RangeError(
      `CR3 ${cr3 >= 0 ? "0x" + cr3.toString(16) : cr3} is not 4 KiB-aligned: ` +
        "a table address must start on a frame boundary",
    );
  }
  const access = options.access ?? "read";
  if (access !== "read" && access !== "write" && access !== "exec") {
    throw new TypeError(
      `Walk access ${JSON.stringify(access)} is not an access: use "read", "write" or "exec"`,
    );
  }
  const fromUser = options.user ?? false;
  if (typeof fromUser !== "boolean") {
    throw new TypeError(`Walk option user ${String(fromUser)} is not a boolean`);
  }
  const pgd = pgd_index(address); // checks the address
  mem.checkFrame(cr3 / PAGE_SIZE);

  const steps: WalkStep[] = [];
  let table = cr3 / PAGE_SIZE;
  let writable = true;
  let user = true;
  let executable = true;
  for (let depth = 0; depth < LEVELS.length; depth++) {
    const level = LEVELS[depth];
    const index = depth === 0 ? pgd : indexAt(depth, address);
    const w = mem.existingTable(table);
    const lo = w === null ? 0 : w[2 * index];
    const hi = w === null ? 0 : w[2 * index + 1];
    steps.push({ level, table, index, lo, hi });
    const flags = entryFlags(lo, hi);
    const stop = (reason: WalkFault["reason"], detail: string) =>
      stopped(address, steps, level, reason, detail);
    if ((flags & _PAGE_PRESENT) === 0) {
      return stop("not-present", `${level} entry not present`);
    }
    if (level === "pgd" && (flags & _PAGE_PSE) !== 0) {
      return stop("reserved-bit", "PSE is a reserved bit in a pgd entry");
    }
    writable &&= (flags & _PAGE_RW) !== 0;
    user &&= (flags & _PAGE_USER) !== 0;
    executable &&= (flags & _PAGE_NX) === 0;
    const frame = entryFrame(lo, hi);
    const leafSize = level === "pte"
      ? PAGE_SIZE
      : (flags & _PAGE_PSE) !== 0 && level === "pud"
      ? PUD_SIZE
      : (flags & _PAGE_PSE) !== 0 && level === "pmd"
      ? PMD_SIZE
      : 0;
    if (leafSize === 0) {
      mem.checkFrame(frame);
      table = frame;
      continue;
    }
    if (leafSize !== PAGE_SIZE && (lo & largePageReservedBits(leafSize)) !== 0) {
      return stop(
        "reserved-bit",
        `bits 13..${leafSize === PMD_SIZE ? 20 : 29} of a ${
          leafSize === PMD_SIZE ? "2 MiB" : "1 GiB"
        } ${level} entry are reserved: the page must start on a ${
          leafSize === PMD_SIZE ? "2 MiB" : "1 GiB"
        } boundary`,
      );
    }
    const frameBase = Math.floor((frame * PAGE_SIZE) / leafSize) * leafSize;
    const pa = frameBase + (address % leafSize);
    const refused = (access === "write" && !writable) || (fromUser && !user) ||
      (access === "exec" && !executable);
    const fault: WalkFault | null = refused
      ? {
        level,
        reason: "protection",
        detail: `${fromUser ? "user" : "supervisor"} ${access} refused: the page is ${
          describeAccess(writable, user, executable)
        }`,
      }
      : null;
    return { address, steps, fault, pa, pageSize: leafSize, writable, user, executable };
  }
  throw new Error("Unreachable: a pte entry always ends the walk");
}

/** The result of a walk that stopped with a fault before reaching a leaf. */
function stopped(
  address: number,
  steps: WalkStep[],
  level: TableLevel,
  reason: WalkFault["reason"],
  detail: string,
): WalkResult {
  return {
    address,
    steps,
    fault: { level, reason, detail },
    pa: null,
    pageSize: null,
    writable: false,
    user: false,
    executable: false,
  };
}

/** The index at depth 1..3 (pud, pmd, pte) of an address already checked. */
function indexAt(depth: number, address: number): number {
  return depth === 1 ? pud_index(address) : depth === 2 ? pmd_index(address) : pte_index(address);
}

/**
 * Whether a supervisor write to `address` would go through: exactly
 * `walk(mem, cr3, address, { access: "write" }).fault === null`, without
 * recording the steps. The boot asks this once per table page it maps, so it
 * makes no objects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { _KERNPG_TABLE, _PAGE_PRESENT, canWrite, makeEntry, PageTableMemory } from "@xenmmu/book";
 * const mem = new PageTableMemory(8);
 * mem.write(1, 0, makeEntry(2, _KERNPG_TABLE));
 * mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
 * mem.write(3, 0, makeEntry(4, _KERNPG_TABLE));
 * mem.write(4, 5, makeEntry(6, _PAGE_PRESENT)); // read-only
 * assert.equal(canWrite(mem, 0x1000, 0x5000), false);
 * assert.equal(canWrite(mem, 0x1000, 0x4000), false); // not present
 * ```
 *
 * @param mem The machine's memory.
 * @param cr3 The physical address of the top-level table, 4 KiB aligned.
 * @param address The 48-bit virtual address.
 * @returns True when the write translates and RW is set at every level.
 * @throws {RangeError} As {@linkcode walk} does.
 */
export function canWrite(mem: PageTableMemory, cr3: number, address: number): boolean {
  if (!Number.isInteger(cr3) || cr3 < 0 || cr3 % PAGE_SIZE !== 0) {
    return walk(mem, cr3, address, { access: "write" }).fault === null; // throws walk's error
  }
  const pgd = pgd_index(address); // checks the address first, as walk does
  let table = cr3 / PAGE_SIZE;
  let writable = true;
  mem.checkFrame(table);
  for (let depth = 0; depth < 4; depth++) {
    const index = depth === 0 ? pgd : indexAt(depth, address);
    const w = mem.existingTable(table);
    const lo = w === null ? 0 : w[2 * index];
    const hi = w === null ? 0 : w[2 * index + 1];
    // not present, or PSE in a pgd entry (a reserved bit): the walk stops with a fault
    if ((lo & PRESENT) === 0) return false;
    if (depth === 0 && (lo & PSE) !== 0) return false;
    writable &&= (lo & RW) !== 0; // read-only higher up still walks on, as the CPU does
    if (depth === 3) return writable;
    if ((lo & PSE) !== 0) {
      return writable && (lo & largePageReservedBits(depth === 1 ? PUD_SIZE : PMD_SIZE)) === 0;
    }
    table = entryFrame(lo, hi);
    mem.checkFrame(table);
  }
  return false; // not reached: depth 3 always returns
}

/**
 * The bits of a large-page entry between PAT (bit 12) and the page's frame
 * that must be zero (Intel SDM vol. 3, tables 4-17 and 4-15): 13..20 for a
 * 2 MiB page, 13..29 for 1 GiB. A walk that meets one set takes a
 * reserved-bit page fault.
 */
function largePageReservedBits(leafSize: number): number {
  return leafSize === PMD_SIZE ? 0x001fe000 : 0x3fffe000;
}

function describeAccess(writable: boolean, user: boolean, executable: boolean): string {
  return (writable ? "writable" : "read-only") + (user ? ", user" : ", supervisor-only") +
    (executable ? ", executable" : ", no-exec");
}

/**
 * Print a walk level by level, one indented line per entry read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWalk, PageTableMemory, walk } from "@xenmmu/book";
 * const text = formatWalk(walk(new PageTableMemory(8), 0x1000, 0x5000));
 * assert.match(text, /stops: page fault, pgd entry not present/);
 * ```
 *
 * @param result What {@linkcode walk} returned.
 * @returns Several lines, without a trailing newline.
 */
export function formatWalk(result: WalkResult): string {
  const a = result.address;
  const lines = [
    `Virtual address ${formatVirt(a)} (pgd ${pgd_index(a)}, pud ${pud_index(a)}, pmd ${
      pmd_index(a)
    }, pte ${pte_index(a)}, offset 0x${(a % PAGE_SIZE).toString(16)})`,
  ];
  let indent = "  ";
  for (const step of result.steps) {
    const flags = entryFlags(step.lo, step.hi);
    const present = (flags & _PAGE_PRESENT) !== 0;
    const target = present ? ` -> frame 0x${entryFrame(step.lo, step.hi).toString(16)}` : "";
    lines.push(
      `${indent}--> ${step.level} (${XEN_LEVEL_NAME[step.level]}) [${step.index}] in frame 0x${
        step.table.toString(16)
      }: ${formatEntry(step)} (${present ? describeFlags(flags) : "not present"})${target}`,
    );
    indent += "  ";
  }
  if (result.pa !== null) {
    const size = result.pageSize === PAGE_SIZE
      ? "4 KiB"
      : result.pageSize === PMD_SIZE
      ? "2 MiB"
      : "1 GiB";
    lines.push(
      `${indent}--> translates to physical address 0x${result.pa.toString(16)} (${size} page, ${
        describeAccess(result.writable, result.user, result.executable)
      })`,
    );
  }
  if (result.fault !== null) {
    const what = result.fault.reason === "protection" ? "protection fault" : "page fault";
    lines.push(`${indent}--> stops: ${what}, ${result.fault.detail}`);
  }
  return lines.join("\n");
}
