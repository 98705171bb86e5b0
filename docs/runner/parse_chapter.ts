/**
 * Finding the fenced code blocks of a chapter, with their Markdown line numbers.
 *
 * @module
 */

/** A fenced code block of a Markdown file and where it is. Line numbers start at 1. */
export interface MarkdownFence {
  /** The info string after the opening fence, trimmed (for example `ts ignore`). */
  info: string;
  /** The first word of the info string (for example `ts`), or `""` when there is none. */
  lang: string;
  /** Whether a word of the info string is `ignore`. */
  ignore: boolean;
  /** The line of the opening fence. */
  openLine: number;
  /** The line of the closing fence. */
  closeLine: number;
  /** The indentation of the opening fence, in spaces. */
  indent: number;
  /** The lines between the fences exactly as written, so code keeps its Markdown columns. */
  source: string[];
  /** The lines between the fences as Markdown shows them: up to `indent` leading spaces removed. */
  lines: string[];
}

/** A TypeScript fence that the chapter runner runs, with the `output` fence that checks it. */
export interface ChapterFence extends MarkdownFence {
  /** The position of this fence among the chapter's runnable fences, from 0. */
  index: number;
  /** The `output` fence right after this fence (only blank lines between), if there is one. */
  output?: MarkdownFence;
}

/** A Markdown file that cannot be split into fences, with the line that is wrong. */
export class ChapterParseError extends Error {
  /** The Markdown line the problem is reported at. */
  line: number;

  /**
   * Creates the error.
   *
   * @param line The Markdown line the problem is reported at.
   * @param message What is wrong.
   */
  constructor(line: number, message: string) {
    super(message);
    this.name = "ChapterParseError";
    this.line = line;
  }
}

/** The info-string languages that run, as Deno's own `--doc` takes them (case-sensitive). */
const RUNNABLE_LANGS: ReadonlySet<string> = new Set(["ts", "typescript"]);

const FENCE_OPEN = /^( *)(`{3,}|~{3,})(.*)$/;

/**
 * Finds every fenced code block of a Markdown file.
 *
 * Backtick and tilde fences are recognised at any indentation, so that a fence inside a list item
 * counts. As in CommonMark, a fence inside an HTML comment (`<!-- … -->`) is not a fence, and a
 * block is closed by a fence of the same character at least as long as the opening one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tick = "`".repeat(3);
 * const fences = parseFences(["# Title", tick + "sh", "ls", tick].join("\n"));
 * assert.deepEqual(fences.map((f) => [f.lang, f.openLine, f.closeLine, f.lines]), [
 *   ["sh", 2, 4, ["ls"]],
 * ]);
 * ```
 *
 * @param markdown The text of the Markdown file.
 * @returns The fences, in the order of the file.
 * @throws {ChapterParseError} When a fence is never closed.
 */
export function parseFences(markdown: string): MarkdownFence[] {
  const lines = markdown.split(/\r?\n/);
  const fences: MarkdownFence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^ {0,3}<!--/.test(line)) {
      // An HTML block started by a comment lasts until the line that closes the comment.
      const start = line.indexOf("<!--") + 4;
      if (!line.includes("-->", start)) {
        while (i + 1 < lines.length && !lines[i + 1].includes("-->")) i++;
        i++;
      }
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open === null) continue;
    const [, spaces, marker, rest] = open;
    // A backtick fence's info string may not contain a backtick (CommonMark): such a line is
    // inline code, not a fence.
    if (marker[0] === "`" && rest.includes("`")) continue;
    const info = rest.trim();
    const words = info.split(/\s+/).filter((word) => word !== "");
    const close = new RegExp(`^ *${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (end === lines.length) {
      throw new ChapterParseError(
        i + 1,
        `Fence opened at line ${i + 1} is never closed: close it with ${marker}`,
      );
    }
    const source = lines.slice(i + 1, end);
    const indent = spaces.length;
    fences.push({
      info,
      lang: words[0] ?? "",
      ignore: words.includes("ignore"),
      openLine: i + 1,
      closeLine: end + 1,
      indent,
      source,
      lines: source.map((text) => text.replace(new RegExp(`^ {0,${indent}}`), "")),
    });
    i = end;
  }
  return fences;
}

/**
 * Finds the fences of a chapter that the chapter runner runs: the `ts` and `typescript` fences,
 * except those marked `ignore`, each with the `output` fence that follows it (only blank lines
 * between). Every other fence is prose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tick = "`".repeat(3);
 * const markdown = [
 *   tick + "ts", "console.log(6 * 7);", tick, "",
 *   tick + "output", "42", tick,
 *   tick + "ts ignore", "not run", tick,
 * ].join("\n");
 * const [fence, ...rest] = parseChapter(markdown);
 * assert.equal(rest.length, 0);
 * assert.deepEqual([fence.index, fence.openLine, fence.source], [0, 1, ["console.log(6 * 7);"]]);
 * assert.deepEqual(fence.output?.lines, ["42"]);
 * ```
 *
 * @param markdown The text of the chapter.
 * @returns The runnable fences, in the order of the file.
 * @throws {ChapterParseError} When a fence is never closed.
 */
export function parseChapter(markdown: string): ChapterFence[] {
  const lines = markdown.split(/\r?\n/);
  const fences = parseFences(markdown);
  const chapter: ChapterFence[] = [];
  fences.forEach((fence, i) => {
    if (!RUNNABLE_LANGS.has(fence.lang) || fence.ignore) return;
    const next = fences[i + 1];
    const adjacent = next !== undefined && next.lang === "output" && !next.ignore &&
      lines.slice(fence.closeLine, next.openLine - 1).every((line) => line.trim() === "");
    chapter.push({ ...fence, index: chapter.length, output: adjacent ? next : undefined });
  });
  return chapter;
}
