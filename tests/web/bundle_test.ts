import assert from "node:assert/strict";
import { bundleForBrowser } from "../../cli/site.ts";

/**
 * What a browser cannot load in an ESM bundle. esbuild writes every import it leaves (such as
 * `node:util`, which it cannot resolve for a browser) as a statement of its own line, ending with
 * a semicolon and double-quoted, where the module that imported it starts; a CommonJS `require`
 * it leaves becomes `__require("…")`. Code generators' text (sucrase has import lines in
 * strings) is indented, unterminated or single-quoted, so it does not look like that.
 */
const UNLOADABLE: RegExp[] = [
  /^(?:import|export)\s[^\n]*\sfrom\s*"[^"]+";$/gm,
  /^import\s*"[^"]+";$/gm,
  /\bimport\("[^"]+"\)/g,
  /\b__require\("[^"]+"\)/g,
  /\bDeno\s*\.\s*\w+/g,
];

/** Every import, require or use of `Deno` in a bundle that a browser could not load. */
function unloadable(code: string): string[] {
  return UNLOADABLE.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[0]));
}

async function bundle(entry: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "xenmmu-bundle-" });
  try {
    const out = new URL(`file://${dir}/out.js`);
    await bundleForBrowser(new URL(entry, import.meta.url), out, false, "esm");
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the library (mod.ts) bundles for the browser with nothing a browser cannot load", async () => {
  const code = await bundle("../../mod.ts");
  assert.ok(code.includes("lookup_address"), "the bundle holds the library");
  assert.deepEqual(unloadable(code), []);
});

Deno.test("the pages' script (web/book.ts) bundles for the browser with nothing a browser cannot load", async () => {
  assert.deepEqual(unloadable(await bundle("../../web/book.ts")), []);
});

Deno.test("the check catches what the browser refuses: a command bundled for the browser", async () => {
  const found = unloadable(await bundle("../../cli/sim.ts"));
  assert.ok(found.some((f) => f.includes('"node:util"')), found.join("\n"));
  assert.ok(found.includes("Deno.stderr"), found.join("\n"));
});

Deno.test("the script the pages load weighs under 200 KB gzipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xenmmu-bundle-" });
  try {
    const out = new URL(`file://${dir}/book.js`);
    await bundleForBrowser(new URL("../../web/book.ts", import.meta.url), out, true, "iife");
    const bytes = await Deno.readFile(out);
    const zipped = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
    const size = (await new Response(zipped).arrayBuffer()).byteLength;
    assert.ok(size < 200 * 1024, `book.js is ${size} bytes gzipped`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
