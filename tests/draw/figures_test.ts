import assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { FIGURES } from "../../docs/draw/figures.ts";
import { recordBoot } from "../../docs/draw/record_boot.ts";
import { FAILURE_BOOTS } from "../../docs/draw/failure_timelines.ts";
import { hex } from "../../docs/draw/svg.ts";

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
