/**
 * The figure of chapter 4: one frame's `type_info` through chapter 4's hypercalls, both ways of
 * becoming a page table, with every refusal where it happens.
 *
 * @module
 */

import { _PAGE_TABLE, PAGE_KERNEL, PAGE_KERNEL_RO } from "../../mmu/pgtable_types.ts";
import { xenPvProt } from "../../xen/guest/xen_pv_prot.ts";
import { makeEntry } from "../../mmu/entry.ts";
import { __START_KERNEL_map, PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { buildPvDomain } from "../../xen/hypervisor/build_pv_domain.ts";
import { do_mmu_update } from "../../xen/hypervisor/do_mmu_update.ts";
import { do_mmuext_op } from "../../xen/hypervisor/do_mmuext_op.ts";
import { do_update_va_mapping } from "../../xen/hypervisor/do_update_va_mapping.ts";
import { MMUEXT_PIN_L1_TABLE, MMUEXT_UNPIN_TABLE } from "../../xen/hypervisor/public_xen.ts";
import type { Xen } from "../../xen/hypervisor/xen.ts";
import { COLORS, hex, line, type Panel, rect, shift, stack, svgDocument, text } from "./svg.ts";

/** One hypercall of the story: what it does, and the call. */
type Step = readonly [string, () => number];

/** A state: the `type_info` word, and the refusals met while in it. */
interface State {
  readonly typeInfo: string;
  readonly words: string;
  /** The type count. */
  readonly count: number;
  /** The call that led here (empty for the first). */
  readonly via: string;
  readonly refused: string[];
}

/** Run the steps on page `pfn`, collecting the states it passes through. */
function run(xen: Xen, pfn: number, steps: readonly Step[]): State[] {
  const mfn = xen.pfnToMfn(pfn);
  const state = (via: string): State => {
    const info = xen.pageInfo(mfn);
    const type = ["none", "L1", "L2", "L3", "L4", "", "", "writable"][info.type];
    const words = `${type}${info.pinned ? ", pinned" : ""}${info.validated ? ", validated" : ""}`;
    return { typeInfo: info.typeInfo, words, count: info.typeCount, via, refused: [] };
  };
  const states = [state("")];
  for (const [what, call] of steps) {
    const rc = call();
    if (rc === 0) states.push(state(what));
    else states.at(-1)!.refused.push(`${what}: ${rc}`);
  }
  return states;
}

/**
 * Draw `pinning_states.svg`: chapter 4's page `0x2700` pinned (way 1) and page `0x2701` hooked
 * into the bootstrap L2 (way 2), on a fresh 1 GiB domain.
 *
 * @returns The SVG text.
 */
export function pinningStates(): string {
  const { xen, layout } = buildPvDomain({ nrPages: 0x40000 });
  const va = (pfn: number) => __START_KERNEL_map + pfn * PAGE_SIZE;
  const mfn = (pfn: number) => xen.pfnToMfn(pfn);
  // fill a page as a pte page for 16 data pages, through its own writable mapping
  const fill = (pfn: number, firstData: number) => {
    for (let i = 0; i < 16; i++) {
      xen.mem.write(mfn(pfn), i, makeEntry(mfn(firstData + i), xenPvProt(PAGE_KERNEL)));
    }
  };
  const P = 0x2700, Q = 0x2701;
  fill(P, 0x2710);
  fill(Q, 0x2720);
  const pin = () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: mfn(P) }]);
  const map = (pfn: number, flags: number) => () =>
    do_update_va_mapping(xen, va(pfn), makeEntry(mfn(pfn), flags), 0);
  const way1 = run(xen, P, [
    ["pin L1", pin],
    ["update_va_mapping RO", map(P, xenPvProt(PAGE_KERNEL_RO))],
    ["pin L1", pin],
    ["update_va_mapping RW", map(P, xenPvProt(PAGE_KERNEL))],
    ["pin L1 again", pin],
    ["unpin", () => do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: mfn(P) }])],
    ["update_va_mapping RW", map(P, xenPvProt(PAGE_KERNEL))],
  ]);
  const l2 = mfn(layout.pageTables.start + 2);
  const hook = () =>
    do_mmu_update(xen, [{ ptr: l2 * PAGE_SIZE + 20 * 8, val: makeEntry(mfn(Q), _PAGE_TABLE) }]);
  const way2 = run(xen, Q, [
    ["hook: mmu_update L2[20]", hook],
    ["update_va_mapping RO", map(Q, xenPvProt(PAGE_KERNEL_RO))],
    ["hook: mmu_update L2[20]", hook],
  ]);
  const width = 960;
  const heading: Panel = {
    height: 24,
    body: [text(20, 20, "Becoming a page table: type_info through each hypercall", {
      size: 16,
      bold: true,
    })],
  };
  const note: Panel = {
    height: 36,
    body: [
      text(
        20,
        12,
        "Each box is the frame's type_info after a hypercall that succeeded (rc 0); in " +
          "red under it, the hypercalls Xen refused",
        { size: 12, fill: COLORS.muted },
      ),
      text(
        20,
        28,
        "while the frame was in that state (rc -22, -EINVAL), which left it unchanged.",
        {
          size: 12,
          fill: COLORS.muted,
        },
      ),
    ],
  };
  const panel = stack([
    heading,
    row(`Way 1: pin page ${hex(P)}`, way1, width),
    row(`Way 2: hook page ${hex(Q)} into the bootstrap L2`, way2, width),
    note,
  ], 14);
  const all = [...way1, ...way2];
  return svgDocument({
    width,
    height: panel.height + 20,
    title: "Becoming a page table: one frame's type_info through pinning and hooking",
    desc: `Page ${hex(P)} goes ${way1.map((s) => s.typeInfo).join(" -> ")}; page ${hex(Q)} goes ` +
      `${way2.map((s) => s.typeInfo).join(" -> ")}. Refused: ${
        all.flatMap((s) => s.refused).join("; ")
      }.`,
    body: shift(panel.body, 8),
  });
}

/** One way: the states left to right, joined by the calls that moved the frame. */
function row(title: string, states: readonly State[], width: number): Panel {
  const boxW = 148, step = boxW + Math.min(50, (width - 40 - 5 * boxW) / 4);
  const body: string[] = [text(20, 14, title, { size: 13, bold: true })];
  const top = 52, boxH = 58;
  let bottom = top + boxH + 2;
  states.forEach((s, i) => {
    const x = 20 + i * step;
    const writable = s.typeInfo.startsWith("7");
    body.push(
      rect(x, top, boxW, boxH, writable ? "#ffffff" : COLORS.table, { stroke: COLORS.ink }),
    );
    body.push(text(x + boxW / 2, top + 18, s.typeInfo, {
      size: 12,
      mono: true,
      anchor: "middle",
      bold: true,
    }));
    body.push(text(x + boxW / 2, top + 35, s.words, { size: 11, anchor: "middle" }));
    body.push(
      text(x + boxW / 2, top + 50, `type count ${s.count}`, { size: 11, anchor: "middle" }),
    );
    if (i > 0) {
      const x0 = 20 + (i - 1) * step + boxW;
      body.push(line(x0 + 2, top + boxH / 2, x - 2, top + boxH / 2, COLORS.path, {
        "stroke-width": 2,
        "marker-end": "url(#arrow-path)",
      }));
      // the call's name above the arrow, on two lines when long
      const cut = s.via.lastIndexOf(" ");
      const lines = s.via.length > 14 && cut > 0
        ? [s.via.slice(0, cut), s.via.slice(cut + 1)]
        : [s.via];
      lines.forEach((l, k) =>
        body.push(text((x0 + x) / 2, top - 6 - (lines.length - 1 - k) * 13, l, {
          size: 11,
          anchor: "middle",
          fill: COLORS.path,
        }))
      );
    }
    s.refused.forEach((r, k) => {
      body.push(
        text(x + 4, top + boxH + 18 + k * 15, `x ${r}`, { size: 11, fill: COLORS.refused }),
      );
      bottom = Math.max(bottom, top + boxH + 22 + k * 15);
    });
  });
  return { height: bottom + 4, body };
}
