/**
 * The hypervisor's safety rules, checked from scratch against the state:
 * what every present entry of every validated table may map, and every
 * count recomputed from the references that exist.
 *
 * @module
 */

import { entryFrame } from "../../mmu/entry.ts";
import { is_guest_l4_slot } from "./alloc_table.ts";
import {
  formatHex32,
  formatTypeInfo,
  pageTypeOf,
  PGT_COUNT_MASK,
  PGT_l1_page_table,
  PGT_l4_page_table,
  PGT_none,
  PGT_PINNED,
  PGT_VALIDATED,
  PGT_writable_page,
} from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** The first rule found broken. */
export interface InvariantViolation {
  /** The rule, in a few words. */
  readonly rule: string;
  /** The frame where it is broken. */
  readonly mfn: number;
  /** The entry of that frame, when the rule is about one. */
  readonly index: number | null;
  /** One sentence naming the frame, the entry and the rule. */
  readonly message: string;
}

/*
 * The flags a guest may set, stated here on their own rather than imported
 * from the masks validation uses, so that a wrong mask there is caught here.
 * Entry bits 0..11: an L1 entry may hold P, RW, US, A, D, G and the three
 * available bits; an upper entry the same without G (PSE in an L2 entry is
 * left to the superpage rule). Entry bits 52..63: all of them (the available
 * bits and NX), except bit 62 in an L1, which Xen keeps for grant mappings
 * (`_PAGE_GNTTAB`).
 */
const GUEST_LOW_FLAGS = [0, 0xf67, 0xee7, 0xe67, 0xe67];
const L1_GNTTAB_HI = 0x40000000;

function disallowedFlags(level: number, lo: number, hi: number): boolean {
  return (lo & 0xfff & ~GUEST_LOW_FLAGS[level]) !== 0 ||
    (level === PGT_l1_page_table && (hi & L1_GNTTAB_HI) !== 0);
}

/** The frames a 2 MiB page starts at: bit 12 of a PSE entry is PAT, not part of the frame. */
const PAGES_PER_2M = 512;

/**
 * Check every invariant of the Xen PV MMU model:
 *
 * 1. No present RW entry of a validated L1 maps a frame that is not of
 *    type `PGT_writable_page` (so none maps a page table).
 * 2. Every present entry of a validated table passes the check that
 *    validation makes: allowed flags, a frame the domain owns, no
 *    superpage (and a writable one over a page table breaks rule 1), and at
 *    L2..L4 a validated table one level down (or, read-only, one of its own
 *    level: a linear page table).
 * 3. Every type count equals the references that exist: entries of
 *    validated tables (RW entries of L1s for writable pages), pins, CR3
 *    (kernel and user).
 * 4. Every general count equals 1 (the allocation) plus the same references
 *    plus one per read-only L1 entry.
 * 5. Types are consistent: a page table in use is validated, a validated
 *    page table is in use, a pinned frame is a page table, CR3 is a validated L4.
 *
 * Cost: one pass over the entries of the validated tables.
 *
 * @param xen The hypervisor.
 * @returns The first violation found, or null when all hold.
 */
export function checkInvariants(xen: Xen): InvariantViolation | null {
  const n = xen.nrPages;
  const first = xen.firstMfn;
  const expType = new Uint32Array(n);
  const expCount = new Uint32Array(n).fill(1);
  const ti = xen.typeInfo;
  const fail = (rule: string, mfn: number, index: number | null, why: string) => ({
    rule,
    mfn,
    index,
    message: `Invariant "${rule}" is broken at mfn ${mfn.toString(16)}${
      index === null ? "" : ` entry ${index}`
    }: ${why}`,
  });

  for (let i = 0; i < n; i++) {
    const x = ti[i];
    const t = pageTypeOf(x);
    const c = x & PGT_COUNT_MASK;
    const isTable = t >= PGT_l1_page_table && t <= PGT_l4_page_table;
    if ((x & PGT_PINNED) !== 0) {
      if (!isTable || c === 0) {
        return fail(
          "a pin holds a page-table type",
          first + i,
          null,
          `type_info is ${formatTypeInfo(x)}`,
        );
      }
      expType[i]++;
      expCount[i]++;
    }
    if (isTable && c > 0 && (x & PGT_VALIDATED) === 0) {
      return fail(
        "a page table in use is validated",
        first + i,
        null,
        `type_info is ${formatTypeInfo(x)}`,
      );
    }
    if (isTable && c === 0 && (x & PGT_VALIDATED) !== 0) {
      return fail(
        "a validated page table is in use",
        first + i,
        null,
        `type_info is ${formatTypeInfo(x)}`,
      );
    }
    if (t === PGT_none && c > 0) {
      return fail(
        "a frame in use has a type",
        first + i,
        null,
        `type_info is ${formatTypeInfo(x)}`,
      );
    }
  }
  for (const base of [xen.cr3, xen.userCr3]) {
    if (base === null) continue;
    const i = base - first;
    if (
      !xen.owns(base) || pageTypeOf(ti[i]) !== PGT_l4_page_table || (ti[i] & PGT_VALIDATED) === 0
    ) {
      return fail("CR3 holds a validated L4", base, null, "it does not");
    }
    expType[i]++;
    expCount[i]++;
  }

  for (let i = 0; i < n; i++) {
    const x = ti[i];
    const level = pageTypeOf(x);
    if (level < PGT_l1_page_table || level > PGT_l4_page_table || (x & PGT_VALIDATED) === 0) {
      continue;
    }
    const mfn = first + i;
    if (!xen.mem.hasTable(mfn)) continue;
    const w = xen.mem.table(mfn);
    for (let e = 0; e < 512; e++) {
      const lo = w[2 * e];
      if ((lo & 1) === 0 || (level === PGT_l4_page_table && !is_guest_l4_slot(e))) continue;
      const hi = w[2 * e + 1];
      const rw = (lo & 2) !== 0;
      const target = entryFrame(lo, hi);
      if (disallowedFlags(level, lo, hi)) {
        return fail(
          "entries have allowed flags",
          mfn,
          e,
          `${entryText(level, lo, hi)} has disallowed flags`,
        );
      }
      if (level === 2 && (lo & 0x80) !== 0) {
        const table = rw ? firstTableIn2M(xen, target) : null;
        if (table !== null) {
          const base = target - (target % PAGES_PER_2M);
          return fail(
            "no writable mapping of a page-table frame",
            mfn,
            e,
            `${entryText(level, lo, hi)} maps mfns ${base.toString(16)}..${
              (base + PAGES_PER_2M - 1).toString(16)
            } RW as one 2 MiB page, among them mfn ${table.toString(16)}, whose type_info is ${
              formatTypeInfo(ti[table - first])
            }`,
          );
        }
        return fail("no superpages", mfn, e, `${entryText(level, lo, hi)} has PSE`);
      }
      if (level > PGT_l1_page_table && target === mfn) {
        if (rw) {
          return fail(
            "linear entries are read-only",
            mfn,
            e,
            `${entryText(level, lo, hi)} maps its table RW`,
          );
        }
        continue;
      }
      if (!xen.owns(target)) {
        return fail(
          "entries map frames the domain owns",
          mfn,
          e,
          `${entryText(level, lo, hi)} maps mfn ${target.toString(16)}`,
        );
      }
      const j = target - first;
      const tt = pageTypeOf(ti[j]);
      expCount[j]++;
      if (level === PGT_l1_page_table) {
        if (rw) {
          if (tt !== PGT_writable_page) {
            return fail(
              "no writable mapping of a page-table frame",
              mfn,
              e,
              `${entryText(level, lo, hi)} maps mfn ${target.toString(16)} RW, whose type_info is ${
                formatTypeInfo(ti[j])
              }`,
            );
          }
          expType[j]++;
        }
        continue;
      }
      const validated = (ti[j] & PGT_VALIDATED) !== 0;
      if (!(validated && (tt === level - 1 || (tt === level && !rw)))) {
        return fail(
          "entries of an Ln map a validated L(n-1)",
          mfn,
          e,
          `${entryText(level, lo, hi)} maps mfn ${target.toString(16)}, whose type_info is ${
            formatTypeInfo(ti[j])
          }`,
        );
      }
      expType[j]++;
    }
  }

  for (let i = 0; i < n; i++) {
    const c = ti[i] & PGT_COUNT_MASK;
    if (c !== expType[i]) {
      return fail(
        "type count equals references",
        first + i,
        null,
        `type count ${c} but ${expType[i]} references exist (type_info ${formatTypeInfo(ti[i])})`,
      );
    }
    if (xen.countInfo[i] !== expCount[i]) {
      return fail(
        "general count equals references",
        first + i,
        null,
        `count_info ${xen.countInfo[i]} but ${expCount[i]} references exist`,
      );
    }
  }
  return null;
}

/** The first frame of the domain that is a page table in use within the 2 MiB page at `frame`. */
function firstTableIn2M(xen: Xen, frame: number): number | null {
  const base = frame - (frame % PAGES_PER_2M);
  for (let mfn = base; mfn < base + PAGES_PER_2M; mfn++) {
    if (!xen.owns(mfn)) continue;
    const x = xen.typeInfo[mfn - xen.firstMfn];
    const t = pageTypeOf(x);
    if (t >= PGT_l1_page_table && t <= PGT_l4_page_table && (x & PGT_COUNT_MASK) > 0) return mfn;
  }
  return null;
}

/** An entry as the messages name it, built only when a rule is broken. */
function entryText(level: number, lo: number, hi: number): string {
  return `L${level} entry ${formatHex32(hi)}${formatHex32(lo)}`;
}

/**
 * {@linkcode checkInvariants}, throwing the first violation.
 *
 * @param xen The hypervisor.
 * @throws {Error} Naming the frame, the entry and the rule.
 */
export function assertInvariants(xen: Xen): void {
  const v = checkInvariants(xen);
  if (v !== null) throw new Error(v.message);
}
