// The book's links and words: every relative link in the README and the docs points to a file
// that exists, and every #anchor to a heading in it; and the book cites sources a reader can open,
// never the project's internal working notes.

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file: one per heading, repeats numbered as GitHub does. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^```/.test(line)) fence = !fence;
    const m = fence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (m === null) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every Markdown link and image target outside code fences and inline code. */
function links(markdown: string): Array<{ line: number; target: string }> {
  const out: Array<{ line: number; target: string }> = [];
  let fence = false;
  markdown.split("\n").forEach((text, i) => {
    if (/^```/.test(text)) fence = !fence;
    if (fence) return;
    const prose = text.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
      out.push({ line: i + 1, target: m[1] });
    }
  });
  return out;
}

async function bookFiles(): Promise<string[]> {
  const files = [join(root, "README.md")];
  for await (const e of Deno.readDir(join(root, "docs"))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(join(root, "docs", e.name));
  }
  for (const extra of ["TEACHING.md"]) {
    try {
      await Deno.stat(join(root, extra));
      files.push(join(root, extra));
    } catch {
      // not written (yet)
    }
  }
  return files.sort();
}

Deno.test("slug() makes GitHub's heading anchors", () => {
  assert.equal(slug("Fixmap and `bm_pte`"), "fixmap-and-bm_pte");
  assert.equal(slug("pgd, pud, pmd, pte (L4, L3, L2, L1)"), "pgd-pud-pmd-pte-l4-l3-l2-l1");
  assert.equal(slug("2.6.39-rc1: the window moves"), "2639-rc1-the-window-moves");
});

Deno.test("every relative link and anchor in the book resolves", async (t) => {
  for (const file of await bookFiles()) {
    const name = relative(root, file);
    await t.step(name, async () => {
      const broken: string[] = [];
      for (const { line, target } of links(await Deno.readTextFile(file))) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split("#", 2);
        const resolved = path === "" ? file : join(dirname(file), decodeURI(path));
        let text: string;
        try {
          text = await Deno.readTextFile(resolved);
        } catch {
          broken.push(`${name}:${line}: ${target}: no such file`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith(".md") && !anchors(text).has(anchor)) {
          broken.push(`${name}:${line}: ${target}: no heading with anchor #${anchor}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }
});

Deno.test("the book cites real sources, never the project's working notes", async () => {
  // "the seed" as the name of a design document ("the seed weighs ..."), not a random seed
  const banned =
    /fact sheet|addendum|DESIGN\.md|shared\/reference|seed's|the seed (weighs|says|gives|calls)/i;
  const found: string[] = [];
  const dirs = ["docs", "boot", "mmu", "xen", "cli", "tests", "scenarios", "web"];
  const files = [join(root, "README.md"), join(root, "mod.ts")];
  for (const dir of dirs) {
    try {
      for await (const f of walkFiles(join(root, dir))) files.push(f);
    } catch {
      // folder not there
    }
  }
  for (const file of files) {
    if (file.endsWith("docs_links_test.ts")) continue; // this file names them to ban them
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((l, i) => {
      if (banned.test(l)) found.push(`${relative(root, file)}:${i + 1}: ${l.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

async function* walkFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walkFiles(path);
    else if (/\.(ts|md|ya?ml|json)$/.test(e.name)) yield path;
  }
}
