/**
 * The hypervisor's state for one PV domain: machine memory, the domain's
 * frames with their P2M and M2P, each frame's `page_info` (general count and
 * `type_info`), the vCPU's CR3 and the console.
 *
 * @module
 */

import type { ShutdownReason } from "./do_sched_op.ts";
import { hexOrValue } from "../../mmu/hex_or_value.ts";
import { PageTableMemory } from "../../mmu/page_table_memory.ts";
import { XenConsole } from "./console.ts";
import { parseXsaState, patchedMmCLine, type XsaState } from "./xsa.ts";
import {
  formatTypeInfo,
  pageTypeOf,
  PGT_COUNT_MASK,
  PGT_PINNED,
  PGT_VALIDATED,
} from "./type_info.ts";

/** The per-frame arrays of a domain, each of the same capacity (at least its `nr_pages`). */
interface FrameState {
  readonly p2m: Uint32Array;
  readonly m2pDelta: Int32Array;
  /** Whether `m2pDelta` holds anything but zeros (`set_gpfn_from_mfn` ran): reset only then. */
  m2pWritten: boolean;
  readonly countInfo: Uint32Array;
  readonly typeInfo: Uint32Array;
}

/** Capacities are rounded up to 256 MiB of frames, so that domains of neighbouring sizes share. */
const FRAME_STATE_STEP = 1 << 16;

/** Domains larger than this (64 GiB) do not leave their arrays behind when recycled. */
const MAX_SPARE_FRAMES = 1 << 24;

/** The arrays of the last domain recycled (see {@linkcode Xen.recycle}), or null. */
let spareFrameState: FrameState | null = null;

/**
 * Arrays for a new domain of `nrPages` pages: the recycled ones when they are large enough (their
 * contents reset by the constructor, `m2pDelta` and `typeInfo` to zero here), else new ones.
 */
function frameState(nrPages: number): FrameState {
  const spare = spareFrameState;
  // a spare twice too big would keep a big domain's memory alive for a small one: not taken
  if (spare !== null && spare.p2m.length >= nrPages && spare.p2m.length <= 2 * nrPages) {
    spareFrameState = null;
    if (spare.m2pWritten) spare.m2pDelta.fill(0);
    spare.m2pWritten = false;
    spare.typeInfo.fill(0, 0, nrPages);
    return spare;
  }
  const capacity = Math.ceil(nrPages / FRAME_STATE_STEP) * FRAME_STATE_STEP;
  return {
    p2m: new Uint32Array(capacity),
    m2pDelta: new Int32Array(capacity),
    m2pWritten: false,
    countInfo: new Uint32Array(capacity),
    typeInfo: new Uint32Array(capacity),
  };
}

/**
 * The builder's P2M (`pfn + offset`) for the last offset used, as long as the largest domain
 * built (up to {@linkcode MAX_SPARE_FRAMES}): copying it costs a fraction of computing it, and a
 * sweep builds thousands of domains with the same offset.
 */
let p2mTemplate: { offset: number; p2m: Uint32Array } | null = null;

/** Fill `p2m` with the builder's layout, `p2m[pfn] = pfn + offset`. */
function builderP2m(p2m: Uint32Array, offset: number): void {
  const n = p2m.length;
  if (n > MAX_SPARE_FRAMES) {
    for (let pfn = 0; pfn < n; pfn++) p2m[pfn] = pfn + offset;
    return;
  }
  let t = p2mTemplate;
  if (t === null || t.offset !== offset || t.p2m.length < n) {
    const capacity = Math.ceil(n / FRAME_STATE_STEP) * FRAME_STATE_STEP;
    const words = new Uint32Array(capacity);
    for (let pfn = 0; pfn < capacity; pfn++) words[pfn] = pfn + offset;
    t = p2mTemplate = { offset, p2m: words };
  }
  p2m.set(t.p2m.subarray(0, n));
}

/** `INVALID_M2P_ENTRY` (`~0UL`) as the model's M2P stores it. */
export const INVALID_M2P_ENTRY = 0xffffffff;

/** Options of {@linkcode Xen}. */
export interface XenOptions {
  /** The domain's memory in 4 KiB pages (`nr_pages`). */
  nrPages: number;
  /**
   * The domain id printed in console lines (`dN`). Every domain is modelled
   * as an unprivileged domU, whatever its id: a real dom0's I/O capabilities
   * (mapping I/O memory, cache attributes in L1 entries) are not modelled.
   * @default {1}
   */
  domid?: number;
  /**
   * The machine frame of pfn 0: pfn `p` lives in mfn `p + mfnOffset`, so
   * that pfns and mfns never look alike (mfn 13fff3 is pfn 3fff3).
   * @default {0x100000}
   */
  mfnOffset?: number;
  /**
   * How many machine frames exist. Frames outside the domain's range are
   * owned by nobody (Xen's free heap): the domain cannot map them.
   * @default {mfnOffset + nrPages + 16}
   */
  machineFrames?: number;
  /**
   * XSA-182 (CVE-2016-6258): whether the fast path of `mod_l1_entry` ..
   * `mod_l4_entry` carries the 2016 fix, which lets an update skip
   * re-validation only when every changed flag is in
   * `FASTPATH_FLAG_WHITELIST` (NX, the available bits, G, D, A, US). Xen
   * 4.1.0 compared only RW and P at L1 and only P at L2..L4, so a read-only
   * linear entry could be made writable without a check. `true` means
   * `"fixed"`, `false` means `"vulnerable"`.
   * @default {"vulnerable"} (Xen 4.1.0 as released)
   */
  xsa182?: XsaState | boolean;
  /**
   * XSA-148 (CVE-2015-7835): whether `L2_DISALLOW_MASK` keeps `_PAGE_PSE`
   * when Xen runs without `allowsuperpage` (the 2015 fix). Xen 4.1.0 took PSE
   * out of the mask unconditionally and refused superpages only in
   * `get_page_from_l2e`, which the fast path of `mod_l2_entry` (frame and P
   * unchanged) never calls: a guest could set PSE on a live L2 entry. `true`
   * means `"fixed"`, `false` means `"vulnerable"`.
   * @default {"vulnerable"} (Xen 4.1.0 as released)
   */
  xsa148?: XsaState | boolean;
}

/** How many TLB flushes of each kind were asked for (Xen does them; the model only counts). */
export interface FlushCounts {
  /** Whole-TLB flushes of this vCPU (`MMUEXT_TLB_FLUSH_LOCAL`, `UVMF_TLB_FLUSH|UVMF_LOCAL`). */
  tlbLocal: number;
  /** Single-address flushes of this vCPU. */
  invlpgLocal: number;
  /** Whole-TLB flushes of several or all vCPUs. */
  tlbAll: number;
  /** Single-address flushes of several or all vCPUs. */
  invlpgAll: number;
}

/** One frame's `page_info`, decoded, for people and tests. */
export interface PageInfoView {
  /** The machine frame. */
  readonly mfn: number;
  /** Its pfn in the domain (M2P), or null when the domain does not own it. */
  readonly pfn: number | null;
  /** The general count (`count_info & PGC_count_mask`): 1 for an allocated page nobody maps. */
  readonly count: number;
  /** The `PGT_*` type code. */
  readonly type: number;
  /** The type count. */
  readonly typeCount: number;
  /** `PGT_validated`. */
  readonly validated: boolean;
  /** `PGT_pinned`. */
  readonly pinned: boolean;
  /** `type_info` as Xen prints it (16 hex digits). */
  readonly typeInfo: string;
}

/**
 * Xen 4.1 with one paravirtualized domain and one vCPU.
 *
 * Machine memory is one {@linkcode PageTableMemory} indexed by machine frame
 * number; PV page-table entries hold mfns. Per-frame state lives in typed
 * arrays indexed by `mfn - firstMfn` over the domain's frames only: frames the
 * domain does not own can never get a reference from it (`get_page` refuses
 * them), so their counts stay 0 and need no storage.
 *
 * The hypercalls are free functions named as in `mm.c` (`do_mmu_update`,
 * `do_mmuext_op`, `do_update_va_mapping`) that take this object first.
 *
 * @example Pin an L1 that maps itself read-only
 * ```ts
 * import assert from "node:assert/strict";
 * import { _PAGE_PRESENT, do_mmuext_op, makeEntry, MMUEXT_PIN_L1_TABLE, Xen } from "@xenmmu/book";
 * const xen = new Xen({ nrPages: 0x40000 });
 * const l1 = xen.pfnToMfn(0x3fff3); // mfn 13fff3
 * xen.mem.write(l1, 0, makeEntry(l1, _PAGE_PRESENT)); // a read-only mapping of itself is allowed
 * assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: l1 }]), 0);
 * assert.equal(xen.pageInfo(l1).typeInfo, "1c00000000000001");
 * ```
 */
export class Xen {
  /** Machine memory: the entries of every frame that holds some. */
  readonly mem: PageTableMemory;
  /** The domain id. */
  readonly domid: number;
  /** The domain's pages. */
  readonly nrPages: number;
  /** The machine frame of the domain's first page. */
  readonly firstMfn: number;
  /** P2M: `p2m[pfn]` is the pfn's machine frame (the guest's `mfn_list`). */
  readonly p2m: Uint32Array;
  /**
   * M2P (`machine_to_phys_mapping`) of the domain's frames, stored as each entry's difference
   * from the builder's layout (`pfn - (mfn - firstMfn)`, modulo 2^32): a domain whose M2P was
   * never rewritten stores zeros, which cost no memory until written. Read it with
   * {@linkcode mfnToPfn}, write it with {@linkcode set_gpfn_from_mfn}.
   */
  readonly #m2pDelta: Int32Array;
  /** `count_info & PGC_count_mask` per owned frame; 1 is the allocation reference. */
  readonly countInfo: Uint32Array;
  /** `type_info` per owned frame, laid out as in `type_info.ts`. */
  readonly typeInfo: Uint32Array;
  /** The console, a bounded ring like Xen's `conring`. */
  readonly console: XenConsole;
  /** TLB flushes asked for. */
  readonly flushes: FlushCounts = { tlbLocal: 0, invlpgLocal: 0, tlbAll: 0, invlpgAll: 0 };
  /** Whether the fast paths have the XSA-182 fix (see {@linkcode XenOptions.xsa182}). */
  readonly xsa182: XsaState;
  /** Whether `L2_DISALLOW_MASK` has the XSA-148 fix (see {@linkcode XenOptions.xsa148}). */
  readonly xsa148: XsaState;
  /** The vCPU's `guest_table`: the mfn of the L4 in CR3, or null before the first `NEW_BASEPTR`. */
  cr3: number | null = null;
  /** The vCPU's `guest_table_user` (the L4 of user mode), or null: set by `NEW_USER_BASEPTR`. */
  userCr3: number | null = null;
  /**
   * The vCPU's virtual IDT (`trap_ctxt`): the guest handler address of each vector, 0 where the
   * guest registered none. Filled by `do_set_trap_table`; all 0 at domain build.
   */
  readonly trapTable: Float64Array = new Float64Array(256);
  /** Why the domain shut down (`crash` once Xen crashed it), or null while it runs. */
  shutdown: ShutdownReason | null = null;
  /**
   * vCPU 0's `vcpu_info` in the domain's real `shared_info` page, as far as the model needs it:
   * `arch.cr2`, where Xen's `propagate_page_fault` stores the faulting address (`arch_set_cr2`) for
   * the guest to read. Xen puts the same value in the vCPU's saved context (`ctrlreg[2]`), which
   * is what a debugger such as `xenctx` shows for a crashed domain that was kept.
   */
  readonly vcpu_info: { readonly arch: { cr2: number } } = { arch: { cr2: 0 } };

  /**
   * Build a domain of `nrPages` pages with mfn = pfn + `mfnOffset`, every frame
   * allocated (general count 1) and untyped.
   *
   * @param options Size and layout.
   * @throws {RangeError} When a size is not a whole number in range.
   * @throws {TypeError} When `xsa182` or `xsa148` is not a setting.
   */
  constructor(options: XenOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Xen options ${String(options)} are not an object: pass at least { nrPages }`,
      );
    }
    const { nrPages, domid = 1, mfnOffset = 0x100000 } = options;
    const xsa182 = parseXsaState("xsa182", options.xsa182);
    const xsa148 = parseXsaState("xsa148", options.xsa148);
    if (!Number.isInteger(nrPages) || nrPages < 1 || nrPages > 2 ** 28) {
      throw new RangeError(
        `Domain of ${nrPages} pages is not possible: nr_pages is a whole number from 1 to 2^28`,
      );
    }
    if (!Number.isInteger(mfnOffset) || mfnOffset < 0 || mfnOffset + nrPages > 2 ** 32 - 1) {
      throw new RangeError(
        `Mfn offset ${mfnOffset} is not possible: the domain's frames must lie below 2^32`,
      );
    }
    if (!Number.isInteger(domid) || domid < 0 || domid > 0x7fef) {
      throw new RangeError(`Domain id ${domid} is not a domid: domids are 0 to 0x7fef`);
    }
    const machineFrames = options.machineFrames ?? mfnOffset + nrPages + 16;
    if (!Number.isInteger(machineFrames) || machineFrames < mfnOffset + nrPages) {
      throw new RangeError(
        `Machine of ${machineFrames} frames cannot hold the domain: it needs at least 0x${
          (mfnOffset + nrPages).toString(16)
        } frames`,
      );
    }
    this.mem = new PageTableMemory(machineFrames);
    this.xsa182 = xsa182;
    this.xsa148 = xsa148;
    const fixes = { xsa182, xsa148 };
    this.console = new XenConsole({ mmCLine: (line) => patchedMmCLine(line, fixes) });
    this.domid = domid;
    this.nrPages = nrPages;
    this.firstMfn = mfnOffset;
    const state = frameState(nrPages);
    this.#state = state;
    const p2m = state.p2m.subarray(0, nrPages);
    builderP2m(p2m, mfnOffset);
    this.p2m = p2m;
    // m2p[mfn] = mfn - mfnOffset everywhere
    this.#m2pDelta = state.m2pDelta.subarray(0, nrPages);
    this.countInfo = state.countInfo.subarray(0, nrPages).fill(1);
    this.typeInfo = state.typeInfo.subarray(0, nrPages);
  }

  readonly #state: FrameState;

  /**
   * Give this domain's frame-state arrays and table storage to the next domain built, once
   * nothing will look at this one again (`boot` does so after a boot's result is copied out).
   * A sweep builds thousands of domains of nearly the same size; fresh arrays cost a page fault
   * per 4 KiB at their first touch, reused ones a fill. Using this object afterwards is an error
   * the model does not detect.
   */
  recycle(): void {
    const capacity = this.#state.p2m.length;
    if (
      capacity <= MAX_SPARE_FRAMES &&
      (spareFrameState === null || spareFrameState.p2m.length < capacity)
    ) {
      spareFrameState = this.#state;
    }
    this.mem.recycle();
  }

  /**
   * The handler the guest registered for an exception vector.
   *
   * @param vector 0..255.
   * @returns Its guest virtual address, 0 when there is none.
   * @throws {RangeError} When `vector` is not 0..255.
   */
  trapHandler(vector: number): number {
    if (!Number.isInteger(vector) || vector < 0 || vector > 255) {
      throw new RangeError(`Trap vector ${vector} is not a vector: vectors are 0 to 255`);
    }
    return this.trapTable[vector];
  }

  /**
   * Whether the domain owns machine frame `mfn` (`page_get_owner(page) == d`).
   *
   * @param mfn A machine frame number.
   * @returns True for the domain's frames.
   */
  owns(mfn: number): boolean {
    return mfn >= this.firstMfn && mfn < this.firstMfn + this.nrPages;
  }

  /**
   * `mfn_valid`: whether `mfn` names a frame of the machine.
   *
   * @param mfn A machine frame number.
   * @returns True when the frame exists.
   */
  mfnValid(mfn: number): boolean {
    return mfn >= 0 && mfn < this.mem.frames;
  }

  /**
   * `pfn_to_mfn` through the P2M.
   *
   * @param pfn A pfn of the domain.
   * @returns Its machine frame.
   * @throws {RangeError} When the domain has no such pfn.
   */
  pfnToMfn(pfn: number): number {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.nrPages) {
      throw new RangeError(
        `Pfn ${pfn} is outside the domain: it has pfns 0x0..0x${(this.nrPages - 1).toString(16)}`,
      );
    }
    return this.p2m[pfn];
  }

  /**
   * `get_gpfn_from_mfn`: the M2P entry of a frame, `INVALID_M2P_ENTRY` for a
   * frame the domain does not own.
   *
   * @param mfn A machine frame number.
   * @returns The pfn, or {@linkcode INVALID_M2P_ENTRY}.
   */
  mfnToPfn(mfn: number): number {
    if (!this.owns(mfn)) return INVALID_M2P_ENTRY;
    const j = mfn - this.firstMfn;
    return (j + this.#m2pDelta[j]) >>> 0;
  }

  /**
   * `set_gpfn_from_mfn`: set the M2P entry of a frame the domain owns (`MMU_MACHPHYS_UPDATE`).
   *
   * @param mfn A machine frame the domain owns.
   * @param pfn The pfn to record, a 32-bit value (`INVALID_M2P_ENTRY` included).
   * @throws {RangeError} When the domain does not own the frame, or `pfn` is not a 32-bit value;
   *   nothing is changed.
   */
  set_gpfn_from_mfn(mfn: number, pfn: number): void {
    if (!Number.isInteger(mfn) || !this.owns(mfn)) {
      throw new RangeError(
        `Frame ${hexOrValue(mfn)} is not the domain's: it owns frames ${
          hexOrValue(this.firstMfn)
        }..${
          hexOrValue(this.firstMfn + this.nrPages - 1)
        }, and only their M2P entries are its to set`,
      );
    }
    if (!Number.isInteger(pfn) || pfn < 0 || pfn > 0xffffffff) {
      throw new RangeError(`Pfn ${pfn} cannot be an M2P entry: entries are 32-bit values`);
    }
    const j = mfn - this.firstMfn;
    this.#m2pDelta[j] = (pfn - j) | 0;
    this.#state.m2pWritten = true;
  }

  /**
   * The pfn of a frame as Xen's `%lx` prints `get_gpfn_from_mfn(mfn)`:
   * `ffffffffffffffff` for `INVALID_M2P_ENTRY`.
   *
   * @param mfn A machine frame number.
   * @returns Lower-case hex.
   */
  formatPfn(mfn: number): string {
    const pfn = this.mfnToPfn(mfn);
    return pfn === INVALID_M2P_ENTRY ? "ffffffffffffffff" : pfn.toString(16);
  }

  /**
   * Decode a frame's `page_info`.
   *
   * @param mfn A machine frame number.
   * @returns Counts, type and flags; all zero for a frame the domain does not own.
   * @throws {RangeError} When the frame is not in the machine.
   */
  pageInfo(mfn: number): PageInfoView {
    this.mem.checkFrame(mfn);
    const owned = this.owns(mfn);
    const word = owned ? this.typeInfo[mfn - this.firstMfn] : 0;
    return {
      mfn,
      pfn: owned ? this.mfnToPfn(mfn) : null,
      count: owned ? this.countInfo[mfn - this.firstMfn] : 0,
      type: pageTypeOf(word),
      typeCount: word & PGT_COUNT_MASK,
      validated: (word & PGT_VALIDATED) !== 0,
      pinned: (word & PGT_PINNED) !== 0,
      typeInfo: formatTypeInfo(word),
    };
  }
}
