/**
 * The figure of chapter 5: what a 1 GiB PV domU finds at its first instruction, to scale, with
 * `pt_base` and the bootstrap tables the builder mapped read-only.
 *
 * @module
 */

// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { BootMachine } from "../../boot/boot.ts";
import { __START_KERNEL_map, PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { walk } from "../../mmu/walk.ts";
import { COLORS, formatSize, hex, line, rect, shift, svgDocument, text } from "./svg.ts";

const MEMORY = 2 ** 30;

/**
 * Draw `start_of_day_layout.svg`: the whole domain, the builder's 1:1 region to scale, and a
 * page-by-page close-up from `start_info` to the boot stack, each page marked read-only or
 * writable by a walk of the builder's tables.
 *
 * @returns The SVG text.
 */
export function startOfDayLayoutFigure(): string {
  const m = new BootMachine({ kernel: "2.6.39", memory: MEMORY });
  const L = m.layout;
  const mem = m.kernel.mem, cr3 = m.kernel.cr3() * PAGE_SIZE;
  // before the kernel runs: what the builder's tables allow at virt_base + pfn
  const writable = (pfn: number) =>
    walk(mem, cr3, __START_KERNEL_map + pfn * PAGE_SIZE, { access: "write" }).fault === null;
  const width = 960, left = 20, right = width - 20;
  const nrPages = MEMORY / PAGE_SIZE;
  const body: string[] = [];
  body.push(
    text(left, 22, `Start of day: a ${formatSize(MEMORY)} PV domU as the builder leaves it`, {
      size: 16,
      bold: true,
    }),
  );
  // row 1: the whole domain
  let y = 44;
  const all = scaleLinear().domain([0, nrPages]).range([left, right]);
  body.push(text(left, y, `the whole domain: pfns 0 to ${hex(nrPages)}`, { size: 12, bold: true }));
  y += 8;
  body.push(rect(left, y, right - left, 22, COLORS.unmapped, { stroke: COLORS.grid }));
  body.push(rect(left, y, all(L.vEnd) - left, 22, COLORS.mapped, { stroke: COLORS.ink }));
  body.push(
    text(
      all(L.vEnd) + 6,
      y + 15,
      `v_end ${hex(L.vEnd)}: the builder maps [0, v_end), ` +
        `${formatSize(L.vEnd * PAGE_SIZE)}; the rest is not mapped yet`,
      { size: 12 },
    ),
  );
  const row1 = y + 22;
  // row 2: [0, v_end) to scale
  y += 62;
  const one = scaleLinear().domain([0, L.vEnd]).range([left, right]);
  body.push(
    line(left, row1, left, y - 2, COLORS.muted, { "stroke-dasharray": "3 3" }),
    line(all(L.vEnd), row1, right, y - 2, COLORS.muted, { "stroke-dasharray": "3 3" }),
  );
  const smallEnd = L.stack + 1;
  const parts: ReadonlyArray<readonly [string, number, number, string]> = [
    ["first 16 MiB: mapped, nothing loaded", 0, L.kernel.start, "#f6f8fa"],
    ["kernel image", L.kernel.start, L.kernel.end, "#aed6f1"],
    ["initrd", L.initrd.start, L.initrd.end, "#d7bde2"],
    ["P2M", L.p2m.start, L.p2m.end, "#f9d77e"],
    ["", L.startInfo, smallEnd, COLORS.readonly],
    ["padding", smallEnd, L.vEnd, "#f6f8fa"],
  ];
  for (const [name, start, end, color] of parts) {
    body.push(rect(one(start), y, one(end) - one(start), 30, color, { stroke: COLORS.ink }));
    // names and start pfns only where they fit; the close-up below labels the small pages
    const w = one(end) - one(start);
    if (name !== "" && w > name.length * 7 + 6) {
      body.push(text((one(start) + one(end)) / 2, y + 19, name, { anchor: "middle", size: 12 }));
    }
    if (w > 60) {
      body.push(text(one(start), y + 44, hex(start), {
        size: 11,
        mono: true,
        anchor: start === 0 ? "start" : "middle",
      }));
    }
  }
  body.push(text(right, y + 44, hex(L.vEnd), { size: 11, mono: true, anchor: "end" }));
  const row2 = y + 30;
  // row 3: page by page from start_info to the stack, and one page of padding
  y += 96;
  const first = L.startInfo, last = smallEnd + 1;
  const cellW = (right - left) / (last - first);
  body.push(
    line(one(first), row2, left, y - 2, COLORS.muted, { "stroke-dasharray": "3 3" }),
    line(one(smallEnd), row2, right, y - 2, COLORS.muted, { "stroke-dasharray": "3 3" }),
  );
  const t = L.tableCounts, pt = L.pageTables.start;
  const nameOf = (pfn: number): string => {
    if (pfn === L.startInfo) return "SI";
    if (pfn === L.xenstore) return "XS";
    if (pfn === L.console) return "CO";
    if (pfn === L.stack) return "stk";
    if (pfn >= L.pageTables.end) return "pad";
    const i = pfn - pt;
    if (i < t.l4) return "L4";
    if (i < t.l4 + t.l3) return "L3";
    if (i < t.l4 + t.l3 + t.l2) return "L2";
    return "L1";
  };
  let readOnly = 0;
  for (let pfn = first; pfn < last; pfn++) {
    const x = left + (pfn - first) * cellW;
    const table = pfn >= pt && pfn < L.pageTables.end;
    const rw = writable(pfn);
    if (!rw) readOnly++;
    body.push(
      rect(x, y, cellW, 34, table ? COLORS.table : "#ffffff", {
        stroke: COLORS.ink,
        "stroke-width": rw ? 1 : 1,
      }),
    );
    body.push(text(x + cellW / 2, y + 15, nameOf(pfn), { anchor: "middle", size: 11 }));
    body.push(
      text(x + cellW / 2, y + 29, rw ? "RW" : "RO", {
        anchor: "middle",
        size: 10,
        bold: !rw,
        fill: rw ? COLORS.muted : COLORS.readonly,
      }),
    );
  }
  // pt_base and nr_pt_frames
  const px = left + (pt - first) * cellW, pe = left + (L.pageTables.end - first) * cellW;
  body.push(line(px, y - 14, px, y + 50, COLORS.ink, { "stroke-width": 2 }));
  body.push(text(px + 4, y - 6, `pt_base ${hex(pt)}`, { size: 12, mono: true, bold: true }));
  body.push(
    line(px, y + 46, pe, y + 46, COLORS.ink, {
      "marker-end": "url(#arrow)",
      "marker-start": "url(#arrow)",
    }),
  );
  body.push(
    text(
      (px + pe) / 2,
      y + 62,
      `nr_pt_frames ${L.pageTables.end - pt}: ${t.l4} L4, ${t.l3} L3, ` +
        `${t.l2} L2, ${t.l1} L1; pinned as one tree, every one mapped read-only`,
      {
        anchor: "middle",
        size: 12,
      },
    ),
  );
  body.push(text(left, y + 62, hex(first), { size: 11, mono: true }));
  body.push(text(right, y + 62, hex(last - 1), { size: 11, mono: true, anchor: "end" }));
  y += 84;
  body.push(
    text(
      left,
      y,
      "SI start_info, XS xenstore ring, CO console ring, stk boot stack, pad padding.",
      {
        size: 12,
        fill: COLORS.muted,
      },
    ),
    text(
      left,
      y + 17,
      "RO / RW: what a write through virt_base + pfn meets, walked in the " +
        "builder's tables before the kernel runs.",
      { size: 12, fill: COLORS.muted },
    ),
  );
  y += 17;
  return svgDocument({
    width,
    height: y + 16,
    title: `Start-of-day layout of a ${formatSize(MEMORY)} PV domU, to scale`,
    desc: `The builder maps pfns [0, ${hex(L.vEnd)}) of ${hex(nrPages)}: the kernel at ` +
      `${hex(L.kernel.start)}, the initrd at ${hex(L.initrd.start)}, the P2M list at ` +
      `${hex(L.p2m.start)}, start_info at ${hex(L.startInfo)}, the bootstrap page tables from ` +
      `pt_base ${hex(pt)} (${L.pageTables.end - pt} frames, all read-only: ${readOnly} pages of ` +
      `the close-up are read-only), the boot stack at ${hex(L.stack)}, then padding.`,
    body: shift(body, 0),
  });
}
