/**
 * The figure of chapter 1: one address walked from CR3 down to its frame, through chapter 1's
 * hand-built tree, the path highlighted.
 *
 * @module
 */

import { _PAGE_TABLE, PAGE_KERNEL } from "../../mmu/pgtable_types.ts";
import { describeFlags, entryFlags, entryFrame, formatEntry, makeEntry } from "../../mmu/entry.ts";
import { PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { PageTableMemory } from "../../mmu/page_table_memory.ts";
import { __va, formatVirt, pgd_index, pmd_index, pud_index } from "../../mmu/virtual_address.ts";
import { walk, type WalkResult } from "../../mmu/walk.ts";
import { COLORS, hex, line, rect, shift, svgDocument, text } from "./svg.ts";

/** Chapter 1's tree: frames 0x100 (pgd) to 0x103 (pte) mapping the first 2 MiB at PAGE_OFFSET. */
function chapterOneTree(): { mem: PageTableMemory; cr3: number } {
  const mem = new PageTableMemory(0x200);
  const PGD = 0x100, PUD = 0x101, PMD = 0x102, PTE = 0x103;
  const base = __va(0);
  mem.write(PGD, pgd_index(base), makeEntry(PUD, _PAGE_TABLE));
  mem.write(PUD, pud_index(base), makeEntry(PMD, _PAGE_TABLE));
  mem.write(PMD, pmd_index(base), makeEntry(PTE, _PAGE_TABLE));
  for (let pfn = 0; pfn < 512; pfn++) mem.write(PTE, pfn, makeEntry(pfn, PAGE_KERNEL));
  return { mem, cr3: PGD * PAGE_SIZE };
}

const FIELD_COLORS = ["#d0d7de", "#f5b7b1", "#f9d77e", "#a9dfbf", "#aed6f1", "#d7bde2"];

/**
 * Draw `walk_from_cr3.svg`: `__va(0x5123)` cut into its five numbers, and the four tables the
 * walk reads, each with the entry it picks.
 *
 * @returns The SVG text.
 */
export function walkFromCr3(): string {
  const { mem, cr3 } = chapterOneTree();
  const va = __va(0x5123);
  const r = walk(mem, cr3, va);
  const width = 960;
  const body: string[] = [];
  body.push(text(20, 22, `The walk of ${formatVirt(va)} (__va(0x5123))`, { size: 16, bold: true }));
  const y = addressStrip(body, r, 40, width);
  const bottom = tables(body, mem, r, cr3, y + 30);
  return svgDocument({
    width,
    height: bottom + 20,
    title: `The walk of ${formatVirt(va)} from CR3 down to frame ${
      hex(Math.floor(r.pa! / PAGE_SIZE))
    }`,
    desc: `The virtual address cut into sign extension, four 9-bit indices (` +
      r.steps.map((s) => `${s.level} ${s.index}`).join(", ") +
      `) and a 12-bit offset; CR3 holds ${hex(cr3)}; each table's chosen entry points to the ` +
      `next table, and the pte points to frame ${
        hex(Math.floor(r.pa! / PAGE_SIZE))
      }: physical address ` +
      `${hex(r.pa!)}.`,
    body: shift(body, 0),
  });
}

/** The 64 bits of the address as fields, to scale: returns the y under it. */
function addressStrip(body: string[], r: WalkResult, y: number, width: number): number {
  const bitW = (width - 40) / 64;
  const offset = r.address % PAGE_SIZE;
  const fields: Array<[string, number, string]> = [
    ["sign extension", 16, "0xffff"],
    ...r.steps.map((s): [string, number, string] => [`${s.level} index`, 9, String(s.index)]),
    ["offset", 12, hex(offset)],
  ];
  let bit = 64, x = 20;
  fields.forEach(([name, bits, value], i) => {
    const w = bits * bitW;
    body.push(rect(x, y, w, 30, FIELD_COLORS[i], { stroke: COLORS.ink }));
    body.push(
      text(x + w / 2, y + 20, value, { anchor: "middle", mono: true, size: 14, bold: true }),
    );
    body.push(text(x + w / 2, y + 46, name, { anchor: "middle", size: 12 }));
    body.push(
      text(x + w / 2, y + 62, `bits ${bit - 1}..${bit - bits}`, {
        anchor: "middle",
        size: 11,
        fill: COLORS.muted,
      }),
    );
    bit -= bits;
    x += w;
  });
  return y + 62;
}

/** CR3, the four tables and the frame, left to right; returns the y under them. */
function tables(
  body: string[],
  mem: PageTableMemory,
  r: WalkResult,
  cr3: number,
  y: number,
): number {
  const boxW = 158, gap = 24, rowH = 22;
  let x = 20;
  // CR3
  body.push(rect(x, y + 24, 70, 44, "#ffffff", { stroke: COLORS.ink }));
  body.push(text(x + 35, y + 42, "CR3", { anchor: "middle", bold: true }));
  body.push(text(x + 35, y + 60, hex(cr3), { anchor: "middle", mono: true, size: 12 }));
  let fromX = x + 70, fromY = y + 46;
  x += 70 + gap;
  let bottom = y;
  r.steps.forEach((s, i) => {
    // the table: header, then rows 0, the picked index, 511 (with gaps between)
    const rows = [...new Set([0, s.index, 511])].sort((a, b) => a - b);
    body.push(
      text(x + boxW / 2, y + 14, `${s.level} table, frame ${hex(s.table)}`, {
        anchor: "middle",
        size: 12,
        bold: true,
      }),
    );
    let ry = y + 24;
    const top = ry;
    let pickedY = ry;
    rows.forEach((index, k) => {
      if (k > 0 && index !== rows[k - 1] + 1) {
        body.push(text(x + boxW / 2, ry + 15, "...", { anchor: "middle", fill: COLORS.muted }));
        ry += rowH;
      }
      const picked = index === s.index;
      const entry = mem.read(s.table, index);
      body.push(
        rect(x, ry, boxW, rowH, picked ? FIELD_COLORS[i + 1] : "#ffffff", {
          stroke: picked ? COLORS.path : COLORS.grid,
          "stroke-width": picked ? 2 : 1,
        }),
      );
      body.push(text(x + 4, ry + 15, `[${index}]`, { size: 11, mono: true }));
      body.push(
        text(x + boxW - 4, ry + 15, formatEntry(entry), {
          size: 11,
          mono: true,
          anchor: "end",
          fill: picked ? COLORS.ink : COLORS.muted,
        }),
      );
      if (picked) pickedY = ry + rowH / 2;
      ry += rowH;
    });
    body.push(rect(x, top, boxW, ry - top, "none", { stroke: COLORS.ink }));
    body.push(
      text(x + boxW / 2, ry + 16, `-> frame ${hex(entryFrame(s.lo, s.hi))}`, {
        anchor: "middle",
        size: 12,
        mono: true,
        fill: COLORS.path,
      }),
      text(x + boxW / 2, ry + 32, describeFlags(entryFlags(s.lo, s.hi)), {
        anchor: "middle",
        size: 12,
        fill: COLORS.path,
      }),
    );
    ry += 34;
    body.push(
      line(fromX, fromY, x, i === 0 ? top + 10 : top + 10, COLORS.path, {
        "stroke-width": 2,
        "marker-end": "url(#arrow-path)",
      }),
    );
    fromX = x + boxW;
    fromY = pickedY;
    bottom = Math.max(bottom, ry);
    x += boxW + gap;
  });
  // the frame
  const frame = Math.floor(r.pa! / PAGE_SIZE);
  body.push(
    text(x + 45, y + 14, `frame ${hex(frame)}`, { anchor: "middle", size: 12, bold: true }),
  );
  body.push(rect(x, y + 24, 90, 66, COLORS.mapped, { stroke: COLORS.ink }));
  body.push(text(x + 45, y + 44, "4 KiB page", { anchor: "middle", size: 12 }));
  body.push(
    text(x + 45, y + 62, `+ ${hex(r.address % PAGE_SIZE)}`, {
      anchor: "middle",
      mono: true,
      size: 12,
    }),
  );
  body.push(
    text(x + 45, y + 80, `= ${hex(r.pa!)}`, { anchor: "middle", mono: true, size: 12, bold: true }),
  );
  body.push(
    line(fromX, fromY, x, y + 34, COLORS.path, {
      "stroke-width": 2,
      "marker-end": "url(#arrow-path)",
    }),
  );
  body.push(
    text(
      20,
      bottom + 22,
      "Each entry: the frame of the next table (or of the page) and its flags; " +
        "the walk reads one entry per level, chosen by the index of that level.",
      {
        size: 12,
        fill: COLORS.muted,
      },
    ),
  );
  return bottom + 30;
}
