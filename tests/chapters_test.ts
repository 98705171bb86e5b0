// The book's chapter test: every chapter docs/[0-9]*.md runs through the chapter runner, one
// Deno.test per chapter (named by its path) and one step per TypeScript fence.

import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { listChapters, runChapter } from "../docs/runner/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

for (const chapter of await listChapters(new URL("../docs/", import.meta.url))) {
  Deno.test(`docs/${basename(chapter)}`, async (t) => {
    await runChapter(chapter, t, { root });
  });
}
