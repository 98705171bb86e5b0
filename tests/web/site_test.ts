import assert from "node:assert/strict";
import { buildSite, slugify } from "../../cli/site.ts";

const ROOT = new URL("../../", import.meta.url);

/** Every relative link and image of every page, checked: the file exists, and so does the anchor. */
async function brokenLinks(out: URL, pages: readonly string[]): Promise<string[]> {
  const broken: string[] = [];
  const ids = new Map<string, Set<string>>();
  const idsOf = async (page: string): Promise<Set<string>> => {
    let set = ids.get(page);
    if (set === undefined) {
      const html = await Deno.readTextFile(new URL(page, out));
      set = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
      ids.set(page, set);
    }
    return set;
  };
  for (const page of pages) {
    const html = await Deno.readTextFile(new URL(page, out));
    for (const [, attr, value] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(value)) continue;
      const target = new URL(value.replaceAll("&amp;", "&"), new URL(page, out));
      const file = decodeURIComponent(target.pathname.slice(out.pathname.length));
      try {
        await Deno.stat(new URL(file, out));
      } catch {
        broken.push(`${page}: ${attr}="${value}" (no ${file})`);
        continue;
      }
      const hash = decodeURIComponent(target.hash.slice(1));
      if (hash !== "" && !(await idsOf(file)).has(hash)) {
        broken.push(`${page}: ${attr}="${value}" (no id "${hash}" in ${file})`);
      }
    }
  }
  return broken;
}

Deno.test("deno task site builds every chapter, the explorer and the search index, with no broken link", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xenmmu-site-" });
  try {
    const out = new URL(`file://${dir}/`);
    const report = await buildSite({ out });
    const chapters = [...Deno.readDirSync(new URL("docs/", ROOT))].map((e) => e.name)
      .filter((name) => /^\d\d_.*\.md$/.test(name)).sort();
    assert.deepEqual(report.chapters, chapters.map((name) => name.replace(/\.md$/, ".html")));
    for (const page of ["index.html", "explorer.html", "search_index.js", "book.js", "style.css"]) {
      await Deno.stat(new URL(page, out));
    }
    assert.deepEqual(report.brokenLinks, []);
    assert.deepEqual(await brokenLinks(out, report.pages), []);
    const figures = [...Deno.readDirSync(new URL("docs/", ROOT))].some((e) => e.name === "figures")
      ? [...Deno.readDirSync(new URL("docs/figures/", ROOT))].filter((e) => e.name.endsWith(".svg"))
      : [];
    for (const figure of figures) await Deno.stat(new URL(`figures/${figure.name}`, out));
    // Each runnable fence is on the page, editable, and the data the runner reads parses.
    const html = await Deno.readTextFile(new URL(report.chapters[0], out));
    const data = JSON.parse(
      /<script type="application\/json" id="fences-data">(.*?)<\/script>/s.exec(html)![1],
    );
    assert.equal(data.length, [...html.matchAll(/data-fence="\d+"/g)].length);
    assert.equal([...html.matchAll(/contenteditable="plaintext-only"/g)].length, data.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("links are rewritten: chapters to pages, figures copied, repository files as pages, URLs kept", async () => {
  const root = await Deno.makeTempDir({ prefix: "xenmmu-book-" });
  const out = new URL(`file://${root}/_site/`);
  try {
    await Deno.mkdir(`${root}/docs/figures`, { recursive: true });
    await Deno.mkdir(`${root}/boot`, { recursive: true });
    await Deno.writeTextFile(`${root}/boot/boot.ts`, "export const a = 1;\n// <b>not markup</b>\n");
    await Deno.writeTextFile(
      `${root}/docs/figures/walk.svg`,
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
    );
    await Deno.writeTextFile(`${root}/docs/glossary.md`, "# Glossary\n\n## PTE\n\nAn entry.\n");
    const tick = "`".repeat(3);
    await Deno.writeTextFile(
      `${root}/docs/01_one.md`,
      [
        "# 1. One `lookup_address`",
        "",
        "See [two](02_two.md#the-end), [a PTE](glossary.md#pte), [boot](../boot/boot.ts#L2),",
        "[Xen](https://xenbits.xen.org/) and [nothing](missing.md).",
        "",
        "![The walk](figures/walk.svg)",
        "",
        tick + "ts",
        'console.log("</script><b>x</b>");',
        tick,
        "",
        tick + "output",
        "</script><b>x</b>",
        tick,
      ].join("\n"),
    );
    await Deno.writeTextFile(`${root}/docs/02_two.md`, "# 2. Two\n\n## The end\n\nDone.\n");
    const report = await buildSite({ root: new URL(`file://${root}/`), out, script: false });
    assert.deepEqual(report.chapters, ["01_one.html", "02_two.html"]);
    assert.deepEqual(report.brokenLinks, ["docs/01_one.md: missing.md"]);
    assert.deepEqual(report.figures, ["docs/figures/walk.svg"]);
    const one = await Deno.readTextFile(new URL("01_one.html", out));
    assert.match(one, /href="02_two.html#the-end"/);
    assert.match(one, /href="glossary.html#pte"/);
    assert.match(one, /href="src\/boot\/boot.ts.html#L2"/);
    assert.match(one, /href="https:\/\/xenbits.xen.org\/" rel="noopener"/);
    assert.match(one, /<img src="figures\/walk.svg" alt="The walk"/);
    assert.match(one, /href="glossary.html">Glossary</);
    // The fence's text cannot end the data element, and the output is text, not markup.
    // Three scripts (the theme, the fences' data, book.js), each closed once.
    assert.equal([...one.matchAll(/<\/script>/g)].length, 3);
    const data = /id="fences-data">(.*?)<\/script>/s.exec(one)![1];
    assert.deepEqual(JSON.parse(data), [{
      openLine: 8,
      code: 'console.log("</script><b>x</b>");',
      expected: ["</script><b>x</b>"],
    }]);
    assert.match(one, /&lt;\/script&gt;&lt;b&gt;x&lt;\/b&gt;/);
    const source = await Deno.readTextFile(new URL("src/boot/boot.ts.html", out));
    assert.match(source, /<span class="line" id="L2">\/\/ &lt;b&gt;not markup&lt;\/b&gt;<\/span>/);
    // Only the missing chapter is broken (book.js is not bundled in this test).
    assert.deepEqual(
      (await brokenLinks(out, report.pages)).filter((b) =>
        !b.includes('src="book.js"') &&
        !b.includes('src="../../book.js"')
      ),
      [
        '01_one.html: href="missing.md" (no missing.md)',
        'index.html: href="missing.md" (no missing.md)',
      ],
    );
    await Deno.stat(new URL("figures/walk.svg", out));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("slugify makes GitHub's heading anchors", () => {
  assert.equal(slugify("The rules, in the kernel's order"), "the-rules-in-the-kernels-order");
  assert.equal(slugify("`pgt_buf`: where"), "pgt_buf-where");
});
