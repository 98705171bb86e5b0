/**
 * Compiling a chapter into one TypeScript module whose fences share one scope.
 *
 * @module
 */

import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findImport } from "./find_import.ts";
import { type ChapterFence, parseChapter } from "./parse_chapter.ts";

/** Options of {@linkcode compileChapter}. */
export interface CompileChapterOptions {
  /**
   * The Markdown file (a URL, or a path resolved against the working directory). Relative import
   * specifiers and `import.meta` in the fences resolve against it.
   */
  file: URL | string;
  /** How the header comment of the generated module names the chapter (default: its path). */
  name?: string;
}

/** A chapter compiled into one module. */
export interface CompiledChapter {
  /** The `file:` URL of the Markdown file. */
  url: string;
  /** The generated module. It exports `chapter()`, an async generator yielding each fence's index. */
  code: string;
  /** The runnable fences, in order: step `chapter()` once per fence. */
  fences: ChapterFence[];
  /**
   * `lineTable[n - 1]` is the Markdown line of line `n` of the module, or 0 for a line of glue
   * code. Code lines keep their Markdown columns.
   */
  lineTable: number[];
}

/** One hoisted import declaration, as written in a fence. */
interface HoistedImport {
  /** The Markdown line of its first line. */
  line: number;
  /** Its lines, relative specifiers already rewritten. */
  lines: string[];
}

/** What `import.meta` becomes in fence code: same length, so that columns do not move. */
const IMPORT_META_STANDIN = "$importMeta";

/**
 * Compiles a chapter into one module in which all its TypeScript fences run in order in one
 * scope, like the cells of a notebook.
 *
 * The module keeps the chapter's line numbers: line `n` of a fence is line `n` of the module,
 * at the same column, so stack traces and `deno check` errors point at the Markdown line. Line 1
 * opens `export async function* chapter()`, every fence's code sits at its own lines, and its
 * closing-fence line becomes `yield <index>;`. Import declarations cannot live inside a function,
 * so they are moved after it (a module's imports are bound before any of its code runs, wherever
 * they are written); relative specifiers are rewritten to `file:` URLs resolved against the
 * Markdown file, so that the module can be written anywhere. `import.meta` in fence code stands
 * for the Markdown file too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tick = "`".repeat(3);
 * const markdown = ["# Sums", tick + "ts", "const n = 6 * 7;", tick].join("\n");
 * const compiled = compileChapter(markdown, { file: "/book/docs/01_sums.md" });
 * const lines = compiled.code.split("\n");
 * assert.equal(lines[2], "const n = 6 * 7;");
 * assert.equal(compiled.lineTable[2], 3);
 * assert.equal(lines[3], "yield 0;");
 * ```
 *
 * @param markdown The text of the chapter.
 * @param options Where the chapter lives.
 * @returns The module, its fences and its line table.
 * @throws {ChapterParseError} When a fence is never closed (see `parse_chapter.ts`).
 */
export function compileChapter(markdown: string, options: CompileChapterOptions): CompiledChapter {
  const url = typeof options.file === "string"
    ? pathToFileURL(resolve(options.file)).href
    : options.file.href;
  const name = options.name ?? fileURLToPath(url);
  const fences = parseChapter(markdown);
  const lineCount = markdown.split(/\r?\n/).length;

  const body: string[] = new Array(lineCount).fill("");
  const imports: HoistedImport[] = [];
  let usesImportMeta = false;
  for (const fence of fences) {
    const first = fence.openLine + 1;
    for (let i = 0; i < fence.source.length; i++) {
      const declaration = findImport(fence.source, i);
      if (declaration !== undefined) {
        imports.push({
          line: first + i,
          lines: declaration.map((text) => rewriteImport(text, url)),
        });
        i += declaration.length - 1;
        continue;
      }
      const code = fence.source[i].replaceAll("import.meta", () => {
        usesImportMeta = true;
        return IMPORT_META_STANDIN;
      });
      body[first + i - 1] = code;
    }
    body[fence.closeLine - 1] = `yield ${fence.index};`;
  }
  // Markdown line 1 is never code (at best an opening fence), so the header and the function's
  // opening take it.
  body[0] = `/* Generated from ${name} by docs/runner: do not edit. Line n of this file is ` +
    `line n of the chapter. */ export async function* chapter(): AsyncGenerator<number> {`;

  const lineTable = body.map((_, i) => i + 1);
  const out = [...body, "}"];
  lineTable.push(0);
  if (imports.length > 0) {
    out.push("", "// The chapter's imports, moved out of the fences.");
    lineTable.push(0, 0);
  }
  for (const declaration of imports) {
    declaration.lines.forEach((text, i) => {
      out.push(text);
      lineTable.push(declaration.line + i);
    });
  }
  if (usesImportMeta) {
    const meta = importMetaStandIn(url);
    out.push("", ...meta);
    lineTable.push(0, ...meta.map(() => 0));
  }
  out.push("");
  lineTable.push(0);
  return { url, code: out.join("\n"), fences, lineTable };
}

/** Rewrites a relative specifier in a line of an import declaration to an absolute URL. */
function rewriteImport(line: string, base: string): string {
  return line.replace(
    /(\bfrom\s*|^\s*import\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/,
    (_, keyword: string, quote: string, specifier: string) =>
      `${keyword}${quote}${new URL(specifier, base).href}${quote}`,
  );
}

/** The declaration of what `import.meta` stands for in fence code. */
function importMetaStandIn(url: string): string[] {
  const path = fileURLToPath(url);
  const dir = fileURLToPath(new URL(".", url)).replace(/[\\/]$/, "");
  return [
    "// `import.meta` in the fences is the chapter's, not this file's.",
    `const ${IMPORT_META_STANDIN} = {`,
    `  url: ${JSON.stringify(url)},`,
    `  filename: ${JSON.stringify(path)},`,
    `  dirname: ${JSON.stringify(dir)},`,
    "  main: false,",
    "  resolve: (specifier: string): string =>",
    `    /^\\.{0,2}\\//.test(specifier)`,
    `      ? new URL(specifier, ${JSON.stringify(url)}).href`,
    "      : import.meta.resolve(specifier),",
    "};",
  ];
}
