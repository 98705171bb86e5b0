/**
 * The figure of chapter 7: the life of one pte page of a 2.6.39 boot, moment by moment, with
 * what Xen, the page tables and `lookup_address` say about it at each.
 *
 * @module
 */

import { BootMachine } from "../../boot/boot.ts";
import type { BootEvent } from "../../boot/kernel.ts";
import { KERNEL_TABLES } from "../../boot/setup_kernel_pagetable.ts";
import { lookup_address } from "../../mmu/lookup_address.ts";
import { PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { PG_LEVEL_NAMES } from "../../mmu/pgtable_types.ts";
import { __va } from "../../mmu/virtual_address.ts";
import { pageTypeName } from "../../xen/hypervisor/type_info.ts";
import { COLORS, el, hex, line, rect, shift, svgDocument, text } from "./svg.ts";

/** One moment: what happened, and the page's state right after it. */
interface Moment {
  readonly what: string;
  readonly typeInfo: string;
  readonly typeWords: string;
  readonly maps: ReadonlyArray<{ readonly words: string; readonly writable: boolean }>;
  readonly lookup: string;
  readonly bufEnd: number;
}

/**
 * Draw `pte_page_life.svg` for the first window page of a 2.6.39 1 GiB domU.
 *
 * @returns The SVG text.
 */
export function ptePageLife(): string {
  const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
  const xen = m.xen!;
  const moments: Moment[] = [];
  let pfn = -1;
  const snap = (what: string) => {
    const info = xen.pageInfo(xen.pfnToMfn(pfn));
    const l = lookup_address(m.kernel.init_mm, __va(pfn * PAGE_SIZE));
    moments.push({
      what,
      typeInfo: info.typeInfo,
      typeWords: `${
        pageTypeName(info.type).replace("PGT_", "").replace(/_page_table$/, " table")
          .replace("_", " ")
      }${info.pinned ? ", pinned" : ""}, count ${info.typeCount}`,
      maps: m.whoMaps(pfn).map((x) => {
        const where = x.tablePfn === KERNEL_TABLES.bm_pte
          ? `fixmap pte, bm_pte[${x.index}]`
          : /l[234]_page/.test(x.tableType)
          ? `pmd entry ${x.index} of ${hex(x.tablePfn!)}`
          : `direct-map pte ${x.index} of ${hex(x.tablePfn!)}`;
        const link = /l[234]_page/.test(x.tableType);
        return {
          words: `${where}${link ? "" : x.writable ? ", RW" : ", RO"}`,
          writable: !link && x.writable,
        };
      }),
      lookup: l.pte === null
        ? `NULL, ${PG_LEVEL_NAMES[l.level]}`
        : `found, ${PG_LEVEL_NAMES[l.level]}`,
      bufEnd: m.kernel.pgt_buf.end,
    });
  };
  const first = m.runUntil((e) => e.kind === "alloc_low_page")!;
  pfn = (first as { pfn: number }).pfn;
  snap("taken by alloc_low_page, mapped in a fixmap slot");
  m.runUntil((e: BootEvent) => {
    if (e.kind === "alloc_low_page") return true;
    snap(describe(e));
    return false;
  });
  const own = m.runUntil((e) =>
    e.kind === "chunk" && e.start <= pfn * PAGE_SIZE && e.end > pfn * PAGE_SIZE
  );
  if (own?.kind === "chunk") {
    snap(`the front reaches it: its own pte (chunk ${hex(own.start)})`);
  }
  m.finish();
  snap("end of the boot");

  const width = 960, left = 20, rowH = 52;
  const cols = { what: 44, type: 440, maps: 592, lookup: 808 };
  const body: string[] = [];
  body.push(text(left, 22, `The life of pte page ${hex(pfn)} (2.6.39, 1 GiB domU)`, {
    size: 16,
    bold: true,
  }));
  const head = 52;
  body.push(
    text(cols.what, head, "what happens", { bold: true, size: 12 }),
    text(cols.type, head, "type_info (Xen)", { bold: true, size: 12 }),
    text(cols.maps, head, "entries that reach it", { bold: true, size: 12 }),
    text(cols.lookup, head, "lookup_address", { bold: true, size: 12 }),
  );
  const top = head + 10;
  body.push(line(left + 10, top + 10, left + 10, top + moments.length * rowH - 20, COLORS.path, {
    "stroke-width": 3,
  }));
  moments.forEach((mo, i) => {
    const y = top + i * rowH;
    body.push(rect(left + 16, y, width - left - 36, rowH - 4, i % 2 === 0 ? "#f6f8fa" : "#ffffff"));
    body.push(el("circle", { cx: left + 10, cy: y + 18, r: 6, fill: COLORS.path }));
    body.push(text(cols.what, y + 18, `${i + 1}. ${mo.what}`, { size: 12 }));
    body.push(text(cols.what + 14, y + 36, `pgt_buf_end ${hex(mo.bufEnd)}`, {
      size: 11,
      mono: true,
      fill: COLORS.muted,
    }));
    body.push(text(cols.type, y + 18, mo.typeInfo, { size: 12, mono: true }));
    body.push(text(cols.type, y + 36, mo.typeWords, { size: 11, fill: COLORS.muted }));
    if (mo.maps.length === 0) {
      body.push(text(cols.maps, y + 18, "none", { size: 12, fill: COLORS.muted }));
    }
    mo.maps.forEach((x, k) =>
      body.push(text(cols.maps, y + 18 + k * 16, x.words, {
        size: 11,
        fill: x.writable ? COLORS.refused : COLORS.ink,
      }))
    );
    body.push(text(cols.lookup, y + 18, mo.lookup, {
      size: 12,
      mono: true,
      fill: mo.lookup.startsWith("NULL") ? COLORS.refused : COLORS.ok,
    }));
  });
  const bottom = top + moments.length * rowH;
  return svgDocument({
    width,
    height: bottom + 10,
    title: `The life of one pte page: pfn ${hex(pfn)} from alloc_low_page to the end of the boot`,
    desc: `Pte page ${hex(pfn)} of a 2.6.39 1 GiB domU at each moment: ` +
      moments.map((mo) => `${mo.what}: ${mo.typeInfo}, ${mo.lookup}`).join("; ") + ".",
    body: shift(body, 0),
  });
}

/** One event of the page's life in words. */
function describe(e: BootEvent): string {
  switch (e.kind) {
    case "chunk":
      return `filled: ptes of ${hex(e.start)}-${hex(e.end)} via the alias`;
    case "hypercall":
      return e.call === "update_va_mapping"
        ? "unmapped: update_va_mapping clears the alias"
        : e.call === "mmuext_op"
        ? "pinned: MMUEXT_PIN_L1_TABLE, Xen validates"
        : e.call === "mmu_update"
        ? "hooked in: set_pmd, an mmu_update"
        : `hypercall ${e.call}`;
    case "pv_alloc":
      return `${e.hook} hook: no pte to make read-only`;
    default:
      return e.kind;
  }
}
