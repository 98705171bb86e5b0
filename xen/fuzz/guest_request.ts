/**
 * Random guest requests for property tests, the fuzzer and the soak: the
 * hypercalls a PV guest makes on its page tables (pins, CR3, `mmu_update`,
 * `update_va_mapping`, plain stores), with frames named by pfn so that a
 * shrunk sequence reads well, on a small domain whose bootstrap tables a
 * domain builder left.
 *
 * @module
 */

import fc, { type Arbitrary } from "fast-check";
import { type Entry, entryFrame, entryHi, entryLo } from "../../mmu/entry.ts";
import { do_mmu_update } from "../hypervisor/do_mmu_update.ts";
import { do_mmuext_op } from "../hypervisor/do_mmuext_op.ts";
import { do_update_va_mapping } from "../hypervisor/do_update_va_mapping.ts";
import { guestWrite } from "../hypervisor/guest_write.ts";
import {
  MMU_PT_UPDATE_PRESERVE_AD,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_NEW_USER_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L4_TABLE,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_UNPIN_TABLE,
} from "../hypervisor/public_xen.ts";
import { pageTypeOf, PGT_l1_page_table, PGT_l4_page_table } from "../hypervisor/type_info.ts";
import { Xen, type XenOptions } from "../hypervisor/xen.ts";

/** fast-check's generator type, as {@linkcode guestRequestArbitrary} returns it. */
export type GuestRequestArbitrary = Arbitrary<GuestRequest>;

/** An entry value: a frame (a pfn of the domain, or a special one) and flags (bits 0..11, NX in bit 31). */
export interface GuestValue {
  /**
   * A pfn of the domain; {@linkcode UNOWNED_FRAME} for a machine frame the
   * domain does not own; {@linkcode OUTSIDE_FRAME} for one beyond the machine;
   * {@linkcode SELF_FRAME} for the frame of the table being written (a
   * linear, or recursive, entry).
   */
  readonly frame: number;
  /** The entry's flags. */
  readonly flags: number;
}

/** One guest request. */
export type GuestRequest =
  | { readonly kind: "pin"; readonly level: number; readonly pfn: number }
  | { readonly kind: "unpin"; readonly pfn: number }
  | { readonly kind: "baseptr"; readonly pfn: number }
  | { readonly kind: "userbase"; readonly pfn: number | null }
  | { readonly kind: "flush" }
  | {
    readonly kind: "mmu";
    readonly reqs: readonly {
      readonly pfn: number;
      readonly index: number;
      readonly ad: boolean;
      readonly val: GuestValue;
    }[];
  }
  | {
    readonly kind: "flip";
    readonly pfn: number;
    readonly index: number;
    readonly set: number;
    readonly clear: number;
  }
  | { readonly kind: "uvm"; readonly va: number; readonly val: GuestValue; readonly flags: number }
  | { readonly kind: "store"; readonly va: number; readonly val: GuestValue };

/** How a request went: refused by Xen (or faulted), or done, and how. */
export type RequestPath = "refused" | "done" | "store" | "emulated" | "skipped";

/** The pages of the fuzzing domain. */
export const FUZZ_NR_PAGES = 24;
/** A machine frame outside the domain. */
export const UNOWNED_FRAME: number = -1;
/** A frame beyond the machine. */
export const OUTSIDE_FRAME: number = -2;
/** The frame of the table being written. */
export const SELF_FRAME: number = -3;

/** Flags of a table entry: P RW US A D (`_PAGE_TABLE`). */
const TABLE = 0x067;

/**
 * Build the small domain every campaign starts from: L4, L3, L2 and L1 at
 * pfns 0..3, the L1 mapping pfns 0..15 at virtual addresses 0x0..0xf000 (the
 * four tables read-only, the rest RW), and, when `pin` is set, the L4 pinned
 * and loaded in CR3. Pfns 16.. are free to become tables.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkInvariants, fuzzDomain } from "@xenmmu/book";
 * const xen = fuzzDomain();
 * assert.equal(xen.cr3, xen.pfnToMfn(0));
 * assert.equal(checkInvariants(xen), null);
 * ```
 *
 * @param options Xen options (`nrPages` at least 16; {@linkcode FUZZ_NR_PAGES} by default).
 * @param pin Pin the L4 and load it.
 * @returns The hypervisor.
 * @throws {Error} If Xen refuses the bootstrap tables (it never should).
 */
export function fuzzDomain(options: Partial<XenOptions> = {}, pin = true): Xen {
  const xen = new Xen({ nrPages: FUZZ_NR_PAGES, ...options });
  const m = (pfn: number) => xen.pfnToMfn(pfn);
  const put = (pfn: number, index: number, mfn: number, flags: number) =>
    xen.mem.write(m(pfn), index, { lo: entryLo(mfn, flags), hi: entryHi(mfn, flags) });
  put(0, 0, m(1), TABLE);
  put(1, 0, m(2), TABLE);
  put(2, 0, m(3), TABLE);
  for (let p = 0; p < 16; p++) put(3, p, m(p), p < 4 ? 0x061 : 0x063);
  if (pin) {
    const rc = do_mmuext_op(xen, [
      { cmd: MMUEXT_PIN_L4_TABLE, mfn: m(0) },
      { cmd: MMUEXT_NEW_BASEPTR, mfn: m(0) },
    ]);
    if (rc !== 0) throw new Error(`Bootstrap pin failed: ${xen.console.lines.join("\n")}`);
  }
  return xen;
}

/** Options of {@linkcode guestRequestArbitrary}. */
export interface GuestRequestOptions {
  /**
   * Add the updates the XSA holes need: `flip` requests (rewrite a live
   * entry with RW or PSE set or cleared, frame unchanged) and linear entries
   * (`SELF_FRAME`).
   * @default {true}
   */
  entryFlips?: boolean;
}

/**
 * The fast-check arbitrary of one guest request. Frames and indices stay
 * small so random entries meet; flags are mostly those Linux uses, sometimes
 * one Xen refuses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "fast-check";
 * import { guestRequestArbitrary } from "./guest_request.ts";
 * const [r] = fc.sample(guestRequestArbitrary(), { numRuns: 1, seed: 1 });
 * assert.ok(typeof r.kind === "string");
 * ```
 *
 * @param options Which requests to include.
 * @returns The arbitrary.
 */
export function guestRequestArbitrary(
  options: GuestRequestOptions = {},
): GuestRequestArbitrary {
  const flips = options.entryFlips ?? true;
  const pfn = fc.integer({ min: 0, max: FUZZ_NR_PAGES - 1 });
  // The bootstrap tables (pfns 0..3) are where entries are live, so updates aim there often.
  const tablePfn = fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 3, arbitrary: pfn },
  );
  const frame = fc.oneof(
    { weight: 30, arbitrary: pfn },
    { weight: 1, arbitrary: fc.constantFrom(UNOWNED_FRAME, OUTSIDE_FRAME) },
    { weight: flips ? 4 : 0, arbitrary: fc.constant(SELF_FRAME) },
  );
  const flags = fc.tuple(
    fc.boolean(),
    fc.boolean(),
    fc.constantFrom(0, 0x20, 0x60, 0x04, 0x64),
    fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, {
      weight: 1,
      arbitrary: fc.constantFrom(0x08, 0x10, 0x80, 0x100, 0x80000000, 0x200),
    }),
    fc.nat(9),
  ).map(([p, rw, ad, extra, notPresent]) =>
    ((notPresent === 0 ? 0 : p || notPresent > 1 ? 1 : 0) | (rw ? 2 : 0) | ad | extra) >>> 0
  );
  const val = fc.record({ frame, flags });
  const index = fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }) },
    { weight: 1, arbitrary: fc.constantFrom(260, 271, 511) },
  );
  // Virtual addresses whose indices stay small; most in the first 2 MiB, which the bootstrap
  // L1 maps.
  const offset = fc.integer({ min: 0, max: 3 }).map((o) => o * 8);
  // A third of the pages are the bootstrap tables (mapped read-only): stores there are the ones
  // Xen emulates (ptwr) when the page is an L1.
  const page = fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }) },
  ).map((t) => t * 4096);
  const va = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(page, offset).map(([p, o]) => p + o) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 2 }),
        page,
        offset,
      ).map(([g, u, d, p, o]) => g * 2 ** 39 + u * 2 ** 30 + d * 2 ** 21 + p + o),
    },
  );
  const flipBits = fc.constantFrom(0x002, 0x080, 0x082);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("pin" as const),
        level: fc.integer({ min: 1, max: 4 }),
        pfn,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("unpin" as const), pfn }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("baseptr" as const), pfn }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("userbase" as const), pfn: fc.option(pfn) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("mmu" as const),
        reqs: fc.array(fc.record({ pfn: tablePfn, index, ad: fc.boolean(), val }), {
          minLength: 1,
          maxLength: 3,
        }).map((a) => a.length > 1 && a[0].index % 5 === 0 ? a : a.slice(0, 1)),
      }),
    },
    {
      weight: flips ? 3 : 0,
      arbitrary: fc.record({
        kind: fc.constant("flip" as const),
        pfn: tablePfn,
        index,
        set: flipBits,
        clear: flipBits,
      }).map((r) => ({ ...r, clear: r.clear & ~r.set })),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("uvm" as const),
        va,
        val,
        flags: fc.constantFrom(0, 1, 2, 5, 6),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("store" as const), va, val }) },
  );
}

/**
 * The entry a request's value stands for, in the table at `tablePfn` (for {@linkcode SELF_FRAME}).
 *
 * @param xen The hypervisor.
 * @param v The value.
 * @param tablePfn The pfn of the table the entry goes in, if any.
 * @returns The entry's halves.
 */
export function guestEntry(xen: Xen, v: GuestValue, tablePfn: number | null): Entry {
  const mfn = v.frame === UNOWNED_FRAME
    ? xen.firstMfn + xen.nrPages + 2
    : v.frame === OUTSIDE_FRAME
    ? xen.mem.frames + 5
    : v.frame === SELF_FRAME
    ? xen.pfnToMfn(tablePfn ?? 0)
    : xen.pfnToMfn(v.frame);
  return { lo: entryLo(mfn, v.flags), hi: entryHi(mfn, v.flags) };
}

/**
 * Whether an entry written into the table at `tablePfn` would point at a
 * page table of that table's own level (a linear entry): the campaigns that
 * keep XSA-182's hole shut skip those.
 *
 * @param xen The hypervisor.
 * @param tablePfn The table written.
 * @param e The entry.
 * @returns True for a present entry onto a table of the same level.
 */
export function isLinearEntry(xen: Xen, tablePfn: number, e: Entry): boolean {
  if ((e.lo & 1) === 0) return false;
  const table = xen.pfnToMfn(tablePfn);
  const target = entryFrame(e.lo, e.hi);
  if (!xen.owns(target)) return false;
  const t = pageTypeOf(xen.typeInfo[table - xen.firstMfn]);
  return t > PGT_l1_page_table && t <= PGT_l4_page_table &&
    pageTypeOf(xen.typeInfo[target - xen.firstMfn]) === t;
}

/** Options of {@linkcode applyGuestRequest}. */
export interface ApplyOptions {
  /** Skip requests that would write a linear entry (see {@linkcode isLinearEntry}). */
  noLinear?: boolean;
}

/**
 * Make one request of Xen, as the guest would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyGuestRequest, fuzzDomain } from "@xenmmu/book";
 * const xen = fuzzDomain();
 * // the bootstrap L1 (pfn 3) is a validated L1 in use: a pin takes once, a second is refused
 * assert.equal(applyGuestRequest(xen, { kind: "pin", level: 1, pfn: 3 }), "done");
 * assert.equal(applyGuestRequest(xen, { kind: "pin", level: 1, pfn: 3 }), "refused");
 * ```
 *
 * @param xen The hypervisor.
 * @param r The request.
 * @param options What to skip.
 * @returns How it went.
 * @throws {TypeError} When `r` is not a request object.
 */
export function applyGuestRequest(
  xen: Xen,
  r: GuestRequest,
  options: ApplyOptions = {},
): RequestPath {
  if (typeof r !== "object" || r === null) {
    throw new TypeError(`Guest request ${String(r)} is not a request object`);
  }
  const m = (p: number) => xen.pfnToMfn(p);
  const rc = (v: number): RequestPath => v === 0 ? "done" : "refused";
  switch (r.kind) {
    case "pin":
      return rc(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE + r.level - 1, mfn: m(r.pfn) }]));
    case "unpin":
      return rc(do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(r.pfn) }]));
    case "baseptr":
      return rc(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_BASEPTR, mfn: m(r.pfn) }]));
    case "userbase":
      return rc(do_mmuext_op(xen, [{
        cmd: MMUEXT_NEW_USER_BASEPTR,
        mfn: r.pfn === null ? 0 : m(r.pfn),
      }]));
    case "flush":
      return rc(do_mmuext_op(xen, [{ cmd: MMUEXT_TLB_FLUSH_LOCAL }]));
    case "mmu": {
      const reqs = r.reqs.map((q) => ({
        ptr: m(q.pfn) * 4096 + q.index * 8 + (q.ad ? MMU_PT_UPDATE_PRESERVE_AD : 0),
        val: guestEntry(xen, q.val, q.pfn),
      }));
      if (options.noLinear && r.reqs.some((q, i) => isLinearEntry(xen, q.pfn, reqs[i].val))) {
        return "skipped";
      }
      return rc(do_mmu_update(xen, reqs));
    }
    case "flip": {
      const old = xen.mem.read(m(r.pfn), r.index);
      const val = { lo: ((old.lo | r.set) & ~r.clear) >>> 0, hi: old.hi };
      if (options.noLinear && isLinearEntry(xen, r.pfn, val)) return "skipped";
      return rc(do_mmu_update(xen, [{ ptr: m(r.pfn) * 4096 + r.index * 8, val }]));
    }
    case "uvm":
      return rc(do_update_va_mapping(xen, r.va, guestEntry(xen, r.val, null), r.flags));
    case "store": {
      const kind = guestWrite(xen, r.va, guestEntry(xen, r.val, null)).kind;
      return kind === "fault" ? "refused" : kind;
    }
    default:
      throw new TypeError(
        `Guest request kind ${
          JSON.stringify((r as { kind: unknown }).kind)
        } is not one of pin, unpin, baseptr, userbase, flush, mmu, flip, uvm, store`,
      );
  }
}

function formatValue(v: GuestValue): string {
  const frame = v.frame === UNOWNED_FRAME
    ? "an mfn the domain does not own"
    : v.frame === OUTSIDE_FRAME
    ? "an mfn beyond the machine"
    : v.frame === SELF_FRAME
    ? "the table itself"
    : `pfn ${v.frame}`;
  return `${frame} | flags 0x${v.flags.toString(16)}`;
}

const BITS: Record<number, string> = { 0x002: "RW", 0x080: "PSE", 0x082: "RW+PSE" };

/**
 * One line for a request, as the fuzzer prints a shrunk sequence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatGuestRequest } from "@xenmmu/book";
 * assert.equal(
 *   formatGuestRequest({ kind: "flip", pfn: 2, index: 0, set: 0x80, clear: 0 }),
 *   "mmu_update: entry 0 of pfn 2, same frame, set PSE",
 * );
 * ```
 *
 * @param r The request.
 * @returns The line.
 */
export function formatGuestRequest(r: GuestRequest): string {
  switch (r.kind) {
    case "pin":
      return `mmuext_op: pin pfn ${r.pfn} as an L${r.level}`;
    case "unpin":
      return `mmuext_op: unpin pfn ${r.pfn}`;
    case "baseptr":
      return `mmuext_op: new baseptr pfn ${r.pfn}`;
    case "userbase":
      return `mmuext_op: new user baseptr ${r.pfn === null ? "none" : `pfn ${r.pfn}`}`;
    case "flush":
      return "mmuext_op: flush the TLB";
    case "mmu":
      return "mmu_update: " +
        r.reqs.map((q) =>
          `entry ${q.index} of pfn ${q.pfn} = ${formatValue(q.val)}${q.ad ? " (preserve A/D)" : ""}`
        ).join("; ");
    case "flip":
      return `mmu_update: entry ${r.index} of pfn ${r.pfn}, same frame${
        r.set ? `, set ${BITS[r.set]}` : ""
      }${r.clear ? `, clear ${BITS[r.clear] ?? "0x" + r.clear.toString(16)}` : ""}`;
    case "uvm":
      return `update_va_mapping: va 0x${r.va.toString(16)} = ${
        formatValue(r.val)
      }, flags ${r.flags}`;
    case "store":
      return `store: va 0x${r.va.toString(16)} = ${formatValue(r.val)}`;
  }
}
