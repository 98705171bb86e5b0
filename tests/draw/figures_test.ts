import assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { FIGURES } from "../../docs/draw/figures.ts";
import { recordBoot } from "../../docs/draw/record_boot.ts";
import { FAILURE_BOOTS } from "../../docs/draw/failure_timelines.ts";
import { hex } from "../../docs/draw/svg.ts";
import { OUTCOME_MAP_SIZES } from "../../docs/draw/outcome_map.ts";
import {
  __va,
  _PAGE_TABLE,
  boot,
  BootMachine,
  failureMechanism,
  formatEntry,
  makeEntry,
  OUTCOME_PROFILES,
  PAGE_KERNEL,
  PageTableMemory,
  pgd_index,
  pmd_index,
  pud_index,
  startOfDayLayout,
  walk,
} from "../../mod.ts";

const DIR = new URL("../../docs/figures/", import.meta.url);

/** The text nodes of an SVG, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'").replace(/&amp;/g, "&")
  );
}

// Each figure drawn once, shared by the tests below.
const drawn = new Map(FIGURES.map((f) => [f.file, f.draw()]));

Deno.test("every committed figure is what the model draws now", () => {
  const stale: string[] = [];
  for (const f of FIGURES) {
    let committed: string;
    try {
      committed = Deno.readTextFileSync(new URL(f.file, DIR));
    } catch {
      stale.push(`docs/figures/${f.file} (missing)`);
      continue;
    }
    if (committed !== drawn.get(f.file)) stale.push(`docs/figures/${f.file}`);
  }
  assert.deepEqual(stale, [], `stale figures: ${stale.join(", ")}; run \`deno task figures\``);
});

Deno.test("docs/figures holds no figure that nothing draws", () => {
  const files = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".svg"));
  assert.deepEqual(files.filter((n) => !drawn.has(n)), []);
});

Deno.test("every figure is well-formed XML with a title, a desc and a background", () => {
  for (const [file, svg] of drawn) {
    assert.equal(XMLValidator.validate(svg), true, file);
    assert.match(svg, /<title>[^<]{10,}<\/title>/, file);
    assert.match(svg, /<desc>[^<]{20,}<\/desc>/, file);
    assert.match(svg, /<rect x="0" y="0" width="\d+" height="\d+" fill="#ffffff"\/>/, file);
    // text stays text: no text turned into paths, no embedded images
    assert.doesNotMatch(svg, /<image|<foreignObject/, file);
    assert.ok(texts(svg).length > 5, file);
  }
});

Deno.test("every figure is embedded by the chapter it belongs to", () => {
  for (const f of FIGURES) {
    const chapter = Deno.readTextFileSync(new URL(`../../docs/${f.chapter}`, import.meta.url));
    assert.match(chapter, new RegExp(`!\\[[^\\]]+\\]\\(figures/${f.file}\\)`), f.chapter);
  }
});

Deno.test("the window figure labels each window's start, end and top as the boot made them", () => {
  const labels = texts(drawn.get("pgt_buf_windows.svg")!);
  for (const kernel of ["2.6.38", "2.6.39"]) {
    const r = recordBoot({ kernel, memory: 2 ** 30 });
    for (const [i, w] of r.windows.entries()) {
      for (const [name, pfn] of [["start", w.start], ["end", w.end], ["top", w.top]] as const) {
        assert.ok(labels.includes(`${name} ${hex(pfn)}`), `${kernel} window ${i + 1} ${name}`);
      }
      assert.ok(
        labels.some((l) => l.includes(`max_pfn_mapped was ${hex(r.calls[i].maxPfnMapped)}`)),
      );
    }
  }
});

Deno.test("each failure figure quotes the boot's Xen console and names the failed page", () => {
  for (const [mechanism, boot] of Object.entries(FAILURE_BOOTS)) {
    const r = recordBoot(boot);
    assert.equal(r.mechanism, mechanism);
    const labels = texts(drawn.get(`failure_${mechanism}.svg`)!).join("\n");
    for (const line of r.result.xen_log.slice(0, 3)) {
      // long lines are wrapped at a space: compare word by word
      assert.ok(line.split(" ").every((w) => labels.includes(w)), line);
    }
    assert.ok(r.failure !== null);
    assert.ok(labels.includes(`Who maps pfn ${hex(r.failure.pfn)}`), mechanism);
    assert.ok(labels.includes(`after event ${r.events.length}`), mechanism);
  }
});

Deno.test("the walk figure prints the entries the walk read and the address it reached", () => {
  const labels = texts(drawn.get("walk_from_cr3.svg")!);
  // chapter 1's tree, rebuilt here the way the chapter builds it
  const mem = new PageTableMemory(0x200);
  const base = __va(0);
  mem.write(0x100, pgd_index(base), makeEntry(0x101, _PAGE_TABLE));
  mem.write(0x101, pud_index(base), makeEntry(0x102, _PAGE_TABLE));
  mem.write(0x102, pmd_index(base), makeEntry(0x103, _PAGE_TABLE));
  for (let pfn = 0; pfn < 512; pfn++) mem.write(0x103, pfn, makeEntry(pfn, PAGE_KERNEL));
  const r = walk(mem, 0x100000, __va(0x5123));
  for (const s of r.steps) {
    assert.ok(labels.includes(formatEntry({ lo: s.lo, hi: s.hi })), `${s.level} entry`);
    assert.ok(labels.includes(String(s.index)), `${s.level} index`);
  }
  assert.ok(labels.includes(`= ${hex(r.pa!)}`));
});

Deno.test("the lookup figure's answers are lookup_address's", () => {
  const labels = texts(drawn.get("lookup_address_stops.svg")!);
  for (const level of ["PG_LEVEL_4K", "PG_LEVEL_1G", "PG_LEVEL_NONE"]) {
    assert.ok(labels.includes(`level ${level}`), level);
  }
  assert.equal(labels.filter((l) => l === "NULL").length, 4);
  assert.ok(labels.includes("entry 5 of 0x1603"));
  assert.ok(labels.includes("entry 9 of 0x1603"));
});

Deno.test("the type_info figure prints the words Xen holds for those pages", () => {
  const svg = drawn.get("type_info_word.svg")!;
  const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
  m.finish();
  const xen = m.xen!;
  const words = (pfn: number) => xen.pageInfo(xen.pfnToMfn(pfn)).typeInfo;
  for (const pfn of [0x1600, 0x1601, 0x1602, m.kernel.windows[0].start, 0x20000]) {
    // the 16 digits are drawn one per text element, in order
    const digits = [...svg.matchAll(/<text[^>]*>(.)<\/text>/g)].map((x) => x[1]).join("");
    assert.ok(digits.includes(words(pfn)), hex(pfn));
  }
});

Deno.test("the start-of-day figure labels pt_base and v_end as the layout has them", () => {
  const labels = texts(drawn.get("start_of_day_layout.svg")!).join("\n");
  const L = startOfDayLayout({ nrPages: 0x40000 });
  assert.ok(labels.includes(`pt_base ${hex(L.pageTables.start)}`));
  assert.ok(labels.includes(`nr_pt_frames ${L.pageTables.end - L.pageTables.start}:`));
  assert.ok(labels.includes(`v_end ${hex(L.vEnd)}`));
  // every bootstrap table is drawn read-only
  const ro = texts(drawn.get("start_of_day_layout.svg")!).filter((l) => l === "RO").length;
  assert.equal(ro, L.pageTables.end - L.pageTables.start);
});

Deno.test("the outcome map's 1G column is what the boots give", () => {
  const svg = drawn.get("outcome_map.svg")!;
  const desc = /<desc>([^<]*)<\/desc>/.exec(svg)![1];
  // the desc spells the Xen grid: "... cells fail: 2.6.38 ok ok ...; 2.6.39 ok ...; ... . On bare"
  const rows = desc.slice(desc.indexOf("cells fail: ") + 12, desc.indexOf(". On bare")).split("; ");
  const column = OUTCOME_MAP_SIZES.findIndex(([name]) => name === "1G");
  for (const [i, kernel] of OUTCOME_PROFILES.entries()) {
    const cell = failureMechanism(boot({ kernel, memory: 2 ** 30 }));
    const row = rows[i].split(" ");
    assert.equal(row[0], kernel);
    row.shift();
    assert.equal(row[column], cell, kernel);
  }
});

Deno.test("the top-down figure counts each step's table pages as the boot took them", () => {
  const labels = texts(drawn.get("top_down_steps.svg")!).join("\n");
  const r = recordBoot({ kernel: "3.9", memory: 2 ** 30 });
  assert.equal(r.result.stats.tablePages, 497);
  let total = 0;
  for (const m of labels.matchAll(/; (\d+) table pages?:/g)) total += Number(m[1]);
  assert.equal(total, r.events.count((e) => e.kind === "alloc_low_page"));
});
