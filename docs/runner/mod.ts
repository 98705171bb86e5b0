/**
 * The chapter runner: it runs the TypeScript fences of a chapter of the book in order, as one
 * program sharing one scope, checks every `output` fence, and names the Markdown line of any
 * failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executeChapter } from "./mod.ts";
 *
 * const root = await Deno.makeTempDir();
 * const tick = "`".repeat(3);
 * const markdown = [
 *   "# Notebook", tick + "ts", "const answer = 6 * 7;", tick, "",
 *   "Later fences see earlier ones.", "", tick + "ts", "console.log({ answer });", tick, "",
 *   tick + "output", "{ answer: 42 }", tick,
 * ];
 * await Deno.writeTextFile(`${root}/01_notebook.md`, markdown.join("\n"));
 * const result = await executeChapter(`${root}/01_notebook.md`, { root });
 * assert.deepEqual(result.fences.map((fence) => fence.status), ["ok", "ok"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./parse_chapter.ts";
export * from "./compile_chapter.ts";
export * from "./find_import.ts";
export * from "./output_match.ts";
export * from "./run_chapter.ts";
export * from "./generate.ts";
