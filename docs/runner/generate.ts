/**
 * Regenerates `.gen/chapters/` from every chapter `docs/[0-9]*.md`, so that `deno check`
 * type-checks the chapters' code through the modules the runner generates.
 *
 * ```sh
 * deno run --allow-read --allow-write docs/runner/generate.ts
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChapterError, type RunChapterOptions, writeChapter } from "./run_chapter.ts";

/** A chapter's file name: it starts with a digit and ends with `.md`. */
const CHAPTER_NAME = /^[0-9].*\.md$/;

/**
 * Lists the chapters of a folder: its files `[0-9]*.md`, in name order. A folder that does not
 * exist has no chapters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const docs = await Deno.makeTempDir();
 * for (const name of ["02_b.md", "01_a.md", "README.md", "01_a.yaml"]) {
 *   await Deno.writeTextFile(`${docs}/${name}`, "");
 * }
 * assert.deepEqual(await listChapters(docs), [`${docs}/01_a.md`, `${docs}/02_b.md`]);
 * await Deno.remove(docs, { recursive: true });
 * ```
 *
 * @param docsDir The folder (a URL, or a path resolved against the working directory).
 * @returns The absolute paths of its chapters.
 */
export async function listChapters(docsDir: string | URL): Promise<string[]> {
  const dir = typeof docsDir === "string" ? docsDir : fileURLToPath(docsDir);
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && CHAPTER_NAME.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  // Code-unit order, not the locale's: "10_x.md" sorts the same everywhere.
  names.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return names.map((name) => join(dir, name));
}

/** Options of {@linkcode generateChapters}. */
export interface GenerateChaptersOptions {
  /** The project's root (default: the folder two levels above this file). */
  root?: string | URL;
}

/**
 * Empties `<root>/.gen/chapters/` and writes a module there for every chapter of `<root>/docs/`,
 * so that a deleted chapter leaves nothing stale behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/docs`);
 * await Deno.writeTextFile(`${root}/docs/01_a.md`, "# A\n");
 * assert.deepEqual(await generateChapters({ root }), [`${root}/.gen/chapters/01_a.ts`]);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param options Where the project is.
 * @returns The paths of the modules written.
 * @throws {ChapterError} When chapters cannot be parsed; every such chapter is named.
 */
export async function generateChapters(options: GenerateChaptersOptions = {}): Promise<string[]> {
  const root = options.root === undefined
    ? fileURLToPath(new URL("../../", import.meta.url))
    : typeof options.root === "string"
    ? options.root
    : fileURLToPath(options.root);
  const outDir = join(root, ".gen", "chapters");
  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const runnerOptions: RunChapterOptions = { root, outDir };
  const modules: string[] = [];
  const problems: string[] = [];
  for (const chapter of await listChapters(join(root, "docs"))) {
    try {
      modules.push((await writeChapter(chapter, runnerOptions)).module);
    } catch (error) {
      if (!(error instanceof ChapterError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ChapterError(problems.join("\n"));
  return modules;
}

if (import.meta.main) {
  try {
    const modules = await generateChapters();
    console.log(`Generated ${modules.length} chapter module(s) in .gen/chapters/`);
  } catch (error) {
    if (!(error instanceof ChapterError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}
