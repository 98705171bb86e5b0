/**
 * The figure of chapter 2: where `lookup_address` stops, for each way it returns NULL, for the
 * empty slot it returns as if it were an answer, and for the pte that exists but is not linked.
 *
 * @module
 */

import {
  _KERNPG_TABLE,
  _PAGE_TABLE,
  PAGE_KERNEL,
  PG_LEVEL_NAMES,
} from "../../mmu/pgtable_types.ts";
import { xenPvProt } from "../../xen/guest/xen_pv_prot.ts";
import { entryFrame, formatEntry, makeEntry } from "../../mmu/entry.ts";
import { lookup_address } from "../../mmu/lookup_address.ts";
import { PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { PageTableMemory } from "../../mmu/page_table_memory.ts";
import {
  __va,
  formatVirt,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
} from "../../mmu/virtual_address.ts";
import { COLORS, hex, rect, shift, svgDocument, text } from "./svg.ts";

/** Chapter 2's machine, in the state its last example leaves it. */
function chapterTwoMachine(): { mem: PageTableMemory; pgd: number } {
  const mem = new PageTableMemory(0x40000);
  const PGD = 0x1600, LEVEL3 = 0x1601, LEVEL2 = 0x1602;
  mem.write(PGD, pgd_index(__va(0)), makeEntry(LEVEL3, _KERNPG_TABLE));
  mem.write(LEVEL3, pud_index(__va(0)), makeEntry(LEVEL2, _KERNPG_TABLE));
  for (let chunk = 0; chunk < 4; chunk++) {
    const ptePage = 0x1603 + chunk;
    for (let i = 0; i < 512; i++) {
      mem.write(ptePage, i, makeEntry(chunk * 512 + i, xenPvProt(PAGE_KERNEL)));
    }
    mem.write(LEVEL2, chunk, makeEntry(ptePage, _PAGE_TABLE));
  }
  mem.write(0x1603, 9, makeEntry(0, 0)); // the empty slot
  // a pte page filled for chunk 510 but not hooked into the pmd page
  for (let i = 0; i < 512; i++) {
    mem.write(UNLINKED_PAGE, i, makeEntry(510 * 512 + i, xenPvProt(PAGE_KERNEL)));
  }
  return { mem, pgd: PGD };
}

/** The cases: an address and what it shows. */
const CASES: ReadonlyArray<readonly [number, string]> = [
  [__va(0x5000), "in the first 8 MiB: found"],
  [__va(0x9000), "its pte slot emptied"],
  [__va(0x800000), "past 8 MiB: no pte page"],
  [__va(0x40000000), "second GiB: no pmd page"],
  [0xc90000000000, "vmalloc area: no pud page"],
  [__va(0x3fdfe * PAGE_SIZE), "its pte exists, unlinked (dashed)"],
];

/** The last case: a pte page filled but not linked, and the address its entry 510 maps. */
const UNLINKED_PAGE = 0x3fdff;
const UNLINKED_VA = __va(0x3fdfe * PAGE_SIZE);

const LEVELS = ["pgd", "pud", "pmd", "pte"] as const;
const INDEX = [pgd_index, pud_index, pmd_index, pte_index];

/**
 * Draw `lookup_address_stops.svg`: one row per address, the entry read at each level, the level
 * where the walk stops, and what `lookup_address` returns.
 *
 * @returns The SVG text.
 */
export function lookupAddressStops(): string {
  const { mem, pgd } = chapterTwoMachine();
  const width = 960, rowH = 50, colW = 128, addrW = 220, top = 70;
  const body: string[] = [];
  body.push(text(20, 22, "Where lookup_address stops (init_mm's pgd in frame 0x1600)", {
    size: 16,
    bold: true,
  }));
  LEVELS.forEach((level, i) =>
    body.push(
      text(20 + addrW + i * colW + colW / 2, top - 10, `${level} entry`, {
        anchor: "middle",
        bold: true,
      }),
    )
  );
  const resultX = 20 + addrW + 4 * colW + 10;
  body.push(text(resultX, top - 10, "lookup_address returns", { bold: true }));
  const descs: string[] = [];
  CASES.forEach(([va, what], row) => {
    const y = top + row * rowH;
    body.push(rect(16, y, width - 32, rowH - 4, row % 2 === 0 ? "#f6f8fa" : "#ffffff"));
    body.push(text(20, y + 18, formatVirt(va), { mono: true, size: 12 }));
    body.push(text(20, y + 36, what, { size: 12, fill: COLORS.muted }));
    const r = lookup_address({ mem, pgd }, va);
    let table = pgd;
    for (let l = 0; l < 4; l++) {
      const x = 20 + addrW + l * colW;
      const index = INDEX[l](va);
      const e = mem.read(table, index);
      const none = e.lo === 0 && e.hi === 0;
      const isPte = l === 3;
      const found = r.pte !== null && isPte;
      const stroke = none
        ? (found ? COLORS.used : COLORS.refused)
        : found
        ? COLORS.ok
        : COLORS.grid;
      body.push(
        rect(x + 4, y + 4, colW - 8, rowH - 12, "#ffffff", {
          stroke,
          "stroke-width": none || found ? 2.5 : 1,
        }),
      );
      body.push(
        text(x + 10, y + 19, `[${index}] of ${hex(table)}`, { size: 11, fill: COLORS.muted }),
      );
      body.push(
        text(x + colW / 2, y + 34, none ? "none" : formatEntry(e), {
          size: 11,
          mono: true,
          anchor: "middle",
          fill: none ? (found ? COLORS.used : COLORS.refused) : COLORS.ink,
          bold: none,
        }),
      );
      if (none || isPte) break;
      table = entryFrame(e.lo, e.hi);
    }
    if (va === UNLINKED_VA) {
      // the pte that exists in memory, where the walk would need it, reached by nothing
      const x = 20 + addrW + 3 * colW, e = mem.read(UNLINKED_PAGE, pte_index(va));
      body.push(
        rect(x + 4, y + 4, colW - 8, rowH - 12, "#ffffff", {
          stroke: COLORS.muted,
          "stroke-dasharray": "4 3",
        }),
      );
      body.push(text(x + 10, y + 19, `[${pte_index(va)}] of ${hex(UNLINKED_PAGE)}`, {
        size: 11,
        fill: COLORS.muted,
      }));
      body.push(text(x + colW / 2, y + 34, formatEntry(e), {
        size: 11,
        mono: true,
        anchor: "middle",
        fill: COLORS.muted,
      }));
    }
    const answer = r.pte === null ? "NULL" : `entry ${r.pte.index} of ${hex(r.pte.table)}`;
    const color = r.pte === null
      ? COLORS.refused
      : mem.read(r.pte.table, r.pte.index).lo === 0
      ? COLORS.used
      : COLORS.ok;
    body.push(text(resultX, y + 19, answer, { mono: true, size: 12, bold: true, fill: color }));
    body.push(text(resultX, y + 36, `level ${PG_LEVEL_NAMES[r.level]}`, { mono: true, size: 12 }));
    descs.push(`${formatVirt(va)}: ${answer}, ${PG_LEVEL_NAMES[r.level]}`);
  });
  const bottom = top + CASES.length * rowH;
  const notes = [
    "Red: the entry is none and the walk stops there. Orange: lookup_address hands back an empty",
    "pte slot as if it were an answer. The last row's pte exists (entry 510 of frame 0x3fdff) but",
    "no pmd entry links that page in, so neither lookup_address nor the CPU can reach it.",
  ];
  notes.forEach((n, i) => body.push(text(20, bottom + 18 + i * 17, n, { size: 12 })));
  return svgDocument({
    width,
    height: bottom + 18 + notes.length * 17 + 10,
    title: "Where lookup_address stops: three NULLs, an empty slot, and a pte nobody links",
    desc: "For each address, the entries lookup_address reads in init_mm from the pgd down and " +
      `what it returns: ${descs.join("; ")}.`,
    body: shift(body, 0),
  });
}
