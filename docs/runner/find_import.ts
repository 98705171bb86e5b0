/**
 * Finding the import declarations of a fence, as the chapter compiler hoists them. It needs
 * neither Deno nor Node, so the web edition's in-browser runner uses it too.
 *
 * @module
 */

/** The start of an import declaration (not `import(…)` nor `import.meta`). */
const IMPORT_START = /^\s*import(?=[\s{*"'])/;

/** A whole import declaration, possibly over several lines. */
const IMPORT_DECLARATION = new RegExp(
  String.raw`^\s*import\s*(?:(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+)` +
    String.raw`\s*from\s*)?(["'])[^"'\n]+\1\s*(?:(?:with|assert)\s*\{[^}]*\}\s*)?;?\s*` +
    String.raw`(?:\/\/[^\n]*)?$`,
);

/** The longest import declaration looked for, in lines. */
const MAX_IMPORT_LINES = 100;

/**
 * Finds the import declaration that starts at a line of a fence, as the compiler hoists it: a
 * complete `import … from "…"` or `import "…"`, over one line or more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const lines = ["import {", "  a,", '} from "./a.ts";', "a();"];
 * assert.deepEqual(findImport(lines, 0), lines.slice(0, 3));
 * assert.equal(findImport(lines, 3), undefined);
 * assert.equal(findImport(['const m = await import("./a.ts");'], 0), undefined);
 * ```
 *
 * @param lines The lines of a fence.
 * @param at The index of the line to look at.
 * @returns The declaration's lines, or `undefined` when none starts at that line.
 */
export function findImport(lines: readonly string[], at: number): string[] | undefined {
  if (!IMPORT_START.test(lines[at] ?? "")) return undefined;
  const last = Math.min(lines.length, at + MAX_IMPORT_LINES);
  for (let end = at + 1; end <= last; end++) {
    const candidate = lines.slice(at, end);
    if (IMPORT_DECLARATION.test(candidate.join("\n"))) return candidate;
  }
  // Not a declaration we understand: leave it in place, where the compiler will say what is wrong.
  return undefined;
}
