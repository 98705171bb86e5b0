/**
 * Quiz generators for the hypervisor chapters: decoding a `type_info` word (`type_info`), and
 * "will Xen accept this request, and what does it print" (`xen`). Every answer comes from running
 * the model: the frame's state is reached by real reference operations, the request is made
 * against a freshly built domain.
 *
 * @module
 */

import { makeEntry } from "../../mmu/entry.ts";
import { __START_KERNEL_map, PAGE_SIZE } from "../../mmu/page_64_types.ts";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
} from "../../mmu/pgtable_types.ts";
import { hex, type QuizProblem } from "../../mmu/quiz_problem.ts";
import type { SeededRandom } from "../../mmu/seeded_random.ts";
import { formatVirt } from "../../mmu/virtual_address.ts";
import { buildPvDomain } from "./build_pv_domain.ts";
import { do_mmu_update } from "./do_mmu_update.ts";
import { do_mmuext_op } from "./do_mmuext_op.ts";
import { do_update_va_mapping } from "./do_update_va_mapping.ts";
import { get_page_type, put_page_type } from "./get_page_type.ts";
import {
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L2_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_PIN_L4_TABLE,
  UVMF_INVLPG,
} from "./public_xen.ts";
import {
  pageTypeName,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_l4_page_table,
  PGT_none,
  PGT_writable_page,
} from "./type_info.ts";
import { Xen } from "./xen.ts";

/**
 * A `type_info` problem: Xen prints a frame's `type_info`; what type, which flags, how many type
 * references, and may the guest map the frame writable now?
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom, typeInfoQuiz } from "@xenmmu/book";
 * const p = typeInfoQuiz(new SeededRandom(3));
 * assert.match(String(p.problem.type_info), /^[0-9a-f]{16}$/);
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function typeInfoQuiz(rng: SeededRandom): QuizProblem {
  const xen = new Xen({ nrPages: 64 });
  const mfn = xen.pfnToMfn(16 + rng.int(48));
  const type = rng.pick([
    PGT_none,
    PGT_writable_page,
    PGT_writable_page,
    PGT_l1_page_table,
    PGT_l1_page_table,
    PGT_l2_page_table,
    PGT_l3_page_table,
    PGT_l4_page_table,
  ]);
  // A zeroed frame validates as any table type, so the state is reached by real operations.
  if (type !== PGT_none) {
    const pin = type !== PGT_writable_page && rng.chance(0.5);
    const refs = rng.int(3) + (pin ? 0 : 1);
    if (pin) {
      const cmd =
        [0, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE][
          type
        ];
      if (do_mmuext_op(xen, [{ cmd, mfn }]) !== 0) throw new Error("The quiz's pin was refused");
    }
    for (let n = 0; n < refs; n++) get_page_type(xen, mfn, type);
    // a frame whose last type reference went away keeps its type at count 0 (a page table is
    // torn down on the way, and loses PGT_validated)
    if (!pin && rng.chance(0.25)) { for (let n = 0; n < refs; n++) put_page_type(xen, mfn); }
  }
  const info = xen.pageInfo(mfn);
  // the attempt may print a "Bad type" line: that line is not part of this answer
  const mayWrite = get_page_type(xen, mfn, PGT_writable_page);
  return {
    kind: "type_info",
    question: [
      `Xen prints type_info ${info.typeInfo} for a frame of a PV domain.`,
      "Which type is it, is it validated, is it pinned, how many type references does it hold,",
      "and could the guest map it writable now (get_page_type(PGT_writable_page))?",
    ],
    answer: [
      `${pageTypeName(info.type)}, ${info.validated ? "validated" : "not validated"}, ` +
      `${info.pinned ? "pinned" : "not pinned"}, type count ${info.typeCount}`,
      mayWrite
        ? (info.type === PGT_writable_page
          ? "a writable mapping is allowed: the frame is already of the writable type"
          : "a writable mapping is allowed: no type reference is left, so the type may change")
        : `a writable mapping is refused: the frame is a ${
          pageTypeName(info.type)
        } with ${info.typeCount} type reference(s)`,
    ],
    problem: { type_info: info.typeInfo },
    solution: {
      type: pageTypeName(info.type),
      validated: info.validated,
      pinned: info.pinned,
      type_count: info.typeCount,
      writable_mapping_allowed: mayWrite,
    },
  };
}

/** RW data pte flags (`__PAGE_KERNEL` without NX and G): P RW A D. */
const PTE_RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/** Read-only data pte flags: P A D, NX. */
const PTE_RO = (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX) >>> 0;

/**
 * A hypercall problem: a freshly built domain (its bootstrap tables read-only in the 1:1 map,
 * its L4 pinned and in CR3) and one request; is it accepted, and what does Xen's console print?
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom, xenQuiz } from "@xenmmu/book";
 * const p = xenQuiz(new SeededRandom(4));
 * assert.ok(p.solution.rc === 0 || p.solution.rc === -22);
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function xenQuiz(rng: SeededRandom): QuizProblem {
  const nrPages = rng.pick([0x4000, 0x8000, 0x10000]);
  const { xen, layout } = buildPvDomain({ nrPages });
  const tables = layout.pageTables;
  const l4 = tables.start;
  const firstL1 = tables.start + layout.tableCounts.l4 + layout.tableCounts.l3 +
    layout.tableCounts.l2;
  const tablePfn = tables.start + rng.int(tables.end - tables.start);
  const dataPfn = layout.kernel.start + rng.int(layout.kernel.end - layout.kernel.start);
  const freePfn = layout.vEnd + rng.int(nrPages - layout.vEnd);
  const m = (pfn: number) => xen.pfnToMfn(pfn);
  const slot = rng.int(512);
  const entryAddr = m(firstL1) * PAGE_SIZE + slot * 8;
  const requests: Array<[string, () => number, Record<string, unknown>]> = [
    [
      `MMUEXT_PIN_L1_TABLE of mfn ${hex(m(dataPfn))} (pfn ${hex(dataPfn)}, a kernel page)`,
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: m(dataPfn) }]),
      { call: "mmuext_op", cmd: "MMUEXT_PIN_L1_TABLE", mfn: m(dataPfn) },
    ],
    [
      `MMUEXT_PIN_L1_TABLE of mfn ${hex(m(freePfn))} (pfn ${hex(freePfn)}, zeroed)`,
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: m(freePfn) }]),
      { call: "mmuext_op", cmd: "MMUEXT_PIN_L1_TABLE", mfn: m(freePfn) },
    ],
    [
      `MMUEXT_PIN_L4_TABLE of mfn ${hex(m(l4))} (pfn ${hex(l4)}, the bootstrap L4)`,
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L4_TABLE, mfn: m(l4) }]),
      { call: "mmuext_op", cmd: "MMUEXT_PIN_L4_TABLE", mfn: m(l4) },
    ],
    ...[PTE_RW, PTE_RO].flatMap((flags): Array<[string, () => number, Record<string, unknown>]> =>
      [tablePfn, freePfn].map((pfn) => {
        const val = makeEntry(m(pfn), flags);
        return [
          `mmu_update ptr ${hex(entryAddr)} (entry ${slot} of the first bootstrap L1, pfn ${
            hex(firstL1)
          }) val ${hex(m(pfn) * PAGE_SIZE + flags % 0x1000)}${
            flags === PTE_RO ? " with NX" : ""
          } (mapping pfn ${hex(pfn)} ${flags === PTE_RW ? "RW" : "read-only"})`,
          () => do_mmu_update(xen, [{ ptr: entryAddr, val }]),
          { call: "mmu_update", ptr: entryAddr, mfn: m(pfn), writable: flags === PTE_RW },
        ];
      })
    ),
    [
      `update_va_mapping va ${formatVirt(__START_KERNEL_map + tablePfn * PAGE_SIZE)} (pfn ${
        hex(tablePfn)
      } in the 1:1 map) to mfn ${hex(m(tablePfn))} RW`,
      () =>
        do_update_va_mapping(
          xen,
          __START_KERNEL_map + tablePfn * PAGE_SIZE,
          makeEntry(m(tablePfn), PTE_RW),
          UVMF_INVLPG,
        ),
      { call: "update_va_mapping", va: __START_KERNEL_map + tablePfn * PAGE_SIZE, writable: true },
    ],
  ];
  const [text, run, request] = rng.pick(requests);
  const before = xen.console.lines.length;
  const rc = run();
  const printed = xen.console.lines.slice(before);
  return {
    kind: "xen",
    question: [
      `A domain of ${hex(nrPages)} pages as the domain builder leaves it: the 1:1 map at ` +
      `${formatVirt(__START_KERNEL_map)} maps pfns 0-${hex(layout.vEnd - 1)}, RW except the ` +
      `bootstrap tables (pfns ${hex(tables.start)}-${hex(tables.end - 1)}: L4 first, then L3, ` +
      `L2, and the L1s from ${hex(firstL1)}), which are read-only; the L4 is pinned and in CR3; ` +
      `pfns ${hex(layout.vEnd)}-${hex(nrPages - 1)} are mapped nowhere. Pfn p is mfn ` +
      `${hex(m(0))} + p.`,
      `The guest makes one request: ${text}.`,
      "Does Xen accept it (rc 0) or refuse it (-EINVAL), and what does its console print?",
    ],
    answer: [
      rc === 0 ? "accepted, rc 0" : `refused, rc ${rc}`,
      ...(printed.length === 0 ? ["the console prints nothing"] : printed),
    ],
    problem: { nr_pages: nrPages, request },
    solution: { rc, xen_log: printed },
  };
}
