/**
 * The figure of chapter 3: Xen's `type_info` word, its fields to scale, and the words of real
 * pages of a booted 2.6.39 domU as Xen holds them.
 *
 * @module
 */

import { BootMachine } from "../../boot/boot.ts";
import { KERNEL_TABLES } from "../../boot/setup_kernel_pagetable.ts";
import { pageTypeName } from "../../xen/hypervisor/type_info.ts";
import { COLORS, hex, line, rect, shift, svgDocument, text } from "./svg.ts";

/** The fields of Xen 4.1's 64-bit word (asm-x86/mm.h), high bit first. */
const FIELDS: ReadonlyArray<readonly [string, number, number, string]> = [
  ["type", 63, 60, "#aed6f1"],
  ["pinned", 59, 59, "#f5b7b1"],
  ["validated", 58, 58, "#a9dfbf"],
  ["pae_xen_l2, partial", 57, 56, "#eef1f4"],
  ["locked", 55, 55, "#f9d77e"],
  ["type count", 54, 0, "#d7bde2"],
];

/**
 * Draw `type_info_word.svg`.
 *
 * @returns The SVG text.
 */
export function typeInfoWord(): string {
  const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
  const r = m.finish();
  const xen = m.xen!;
  const w = r.pgt_buf[0];
  const t = KERNEL_TABLES;
  const pages: ReadonlyArray<readonly [string, number]> = [
    ["init_level4_pgt", t.init_level4_pgt],
    ["level3_ident_pgt", t.level3_ident_pgt],
    ["level2_ident_pgt", t.level2_ident_pgt],
    ["first window page", w.start],
    ["a page of the direct map", 0x20000],
    ["first unused window page", w.end],
  ];
  const width = 960, left = 290, bitW = 10, strip = 40;
  const x = (bit: number) => left + (63 - bit) * bitW;
  const body: string[] = [];
  body.push(text(20, 22, "type_info: what Xen knows about every frame of the domain", {
    size: 16,
    bold: true,
  }));
  let y = 110;
  // narrow fields get their label above, with a leader line: the rightmost field's label on the
  // top row, so that no leader line crosses another label
  const narrow = FIELDS.filter(([, hi, lo]) => hi - lo < 3);
  for (const [name, hi, lo, color] of FIELDS) {
    body.push(rect(x(hi), y, (hi - lo + 1) * bitW, strip, color, { stroke: COLORS.ink }));
    const cx = (x(hi) + x(lo) + bitW) / 2;
    const bits = hi === lo ? `bit ${hi}` : `bits ${hi}..${lo}`;
    if (hi - lo >= 3) {
      body.push(text(cx, y + 17, name, { anchor: "middle", size: 12, bold: true }));
      body.push(text(cx, y + 33, hi - lo > 8 ? bits : `${hi}..${lo}`, {
        anchor: "middle",
        size: 11,
      }));
    } else {
      const k = narrow.length - 1 - narrow.findIndex(([n]) => n === name);
      const ly = 44 + k * 16;
      body.push(text(cx - 8, ly, `${name} (${bits})`, { size: 12, anchor: "end" }));
      body.push(line(cx - 6, ly - 4, cx, ly - 4, COLORS.ink), line(cx, ly - 4, cx, y, COLORS.ink));
    }
  }
  body.push(text(left - 10, y + 25, "the 64 bits", { anchor: "end", size: 12, bold: true }));
  y += strip + 8;
  // hex digit boundaries: each of the 16 digits Xen prints covers 4 bits
  for (let d = 0; d <= 16; d++) {
    body.push(line(left + d * 4 * bitW, y, left + d * 4 * bitW, y + 6, COLORS.muted));
  }
  body.push(text(left - 10, y + 12, "each hex digit = 4 bits", {
    anchor: "end",
    size: 11,
    fill: COLORS.muted,
  }));
  y += 26;
  body.push(
    text(20, y, "Pages of a 2.6.39 domU, 1 GiB, after init_memory_mapping:", { bold: true }),
  );
  y += 10;
  const descs: string[] = [];
  pages.forEach(([name, pfn], i) => {
    const row = y + i * 44;
    const info = xen.pageInfo(xen.pfnToMfn(pfn));
    body.push(rect(16, row, width - 32, 40, i % 2 === 0 ? "#f6f8fa" : "#ffffff"));
    body.push(text(20, row + 17, name, { size: 12, bold: true }));
    body.push(text(20, row + 33, `pfn ${hex(pfn)}`, { size: 12, mono: true }));
    [...info.typeInfo].forEach((digit, d) =>
      body.push(
        text(left + d * 4 * bitW + 2 * bitW, row + 17, digit, {
          anchor: "middle",
          mono: true,
          size: 15,
          bold: d < 3,
        }),
      )
    );
    const words = [
      pageTypeName(info.type),
      ...(info.pinned ? ["pinned"] : []),
      ...(info.validated ? ["validated"] : []),
      `count ${info.typeCount}`,
    ].join(", ");
    body.push(text(left, row + 34, words, { size: 12, fill: COLORS.muted }));
    descs.push(`${name} ${info.typeInfo} (${words})`);
  });
  y += pages.length * 44 + 14;
  const notes = [
    "An entry that maps a frame writable gives it a PGT_writable_page reference; an entry of a table",
    "that links a lower table gives that table a reference of its own type. A frame holds one type at",
    "a time: the count must drop to 0 before the type can change. The model keeps the count in 23 bits.",
  ];
  notes.forEach((n, i) => body.push(text(20, y + i * 17, n, { size: 12 })));
  return svgDocument({
    width,
    height: y + notes.length * 17 + 10,
    title: "The type_info word: type, pinned, validated, locked, count",
    desc: "Xen 4.1's 64-bit type_info word to scale (type in bits 63..60, pinned 59, validated " +
      `58, locked 55, count below), and the word of real pages of a booted domU: ${
        descs.join("; ")
      }.`,
    body: shift(body, 0),
  });
}
