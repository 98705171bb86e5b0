/**
 * The guided tour (`deno task tour`): the book read in the terminal. Each chapter is run live
 * through the chapter runner, and its prose is printed with what the model prints now in place of
 * each output block.
 *
 * ```sh
 * deno task tour          # every chapter
 * deno task tour 6        # chapter 6 only
 * deno task tour 6 --step # pause after each output (on a terminal)
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  executeChapter,
  type FenceResult,
  listChapters,
  type MarkdownFence,
  parseFences,
} from "../docs/runner/mod.ts";

const WIDTH = 100;

const USAGE = `Usage: deno task tour [CHAPTER] [--step]

  CHAPTER   a chapter number (1, 6, 11, ...): read only that chapter; all of them by default
  --step    on a terminal, wait for Enter after each output the model prints
  --help    this text

Each chapter is run for real: what the tour prints is what the model does now, and an output that
no longer matches its chapter stops the tour with the chapter's own error message.`;

/** Where the tour's text goes, and how it waits for the reader. */
export interface TourIo {
  /** Print one block of text. */
  out(text: string): void;
  /** Wait for the reader (called after each output with `--step`). */
  pause(): Promise<void>;
}

/**
 * Read the book in the terminal.
 *
 * @param args Command-line arguments: an optional chapter number, `--step`, or `--help`.
 * @param io Where the text goes (standard output by default) and how to pause.
 * @returns The process exit code: 0 when every chapter ran and matched its text, 1 otherwise,
 *   2 for bad arguments.
 */
export async function main(args: readonly string[], io: TourIo = terminalIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { step: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`tour: ${(error as Error).message}; run \`deno task tour --help\``);
    return 2;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const docs = fileURLToPath(new URL("../docs/", import.meta.url));
  let chapters = await listChapters(docs);
  if (parsed.positionals.length > 1) {
    console.error(`tour: one chapter at a time, not "${parsed.positionals.join(" ")}"`);
    return 2;
  }
  const wanted = parsed.positionals[0];
  if (wanted !== undefined) {
    const n = /^\d{1,2}$/.test(wanted) ? Number(wanted) : NaN;
    const match = chapters.filter((path) => chapterNumber(path) === n);
    if (match.length !== 1) {
      const known = chapters.map(chapterNumber).join(", ");
      console.error(`tour: chapter "${wanted}" is not one of the book's: ${known}`);
      return 2;
    }
    chapters = match;
  }
  const step = parsed.values.step === true;
  if (wanted === undefined) {
    io.out(rule("xen-mmu-book: a guided tour"));
    io.out(wrap(
      "How Linux builds its first kernel page tables under the Xen PV MMU. Each chapter below is " +
        "run live: its prose is printed as written, and each output block is what the model " +
        "prints now, checked against the chapter's text.",
    ));
  }
  let failed = 0;
  for (const path of chapters) {
    if (!await tourChapter(path, io, step)) failed++;
  }
  if (chapters.length > 1) {
    io.out("");
    io.out(rule(
      failed === 0
        ? `${chapters.length} chapters, all run and checked`
        : `${failed} of ${chapters.length} chapters failed`,
    ));
  }
  return failed === 0 ? 0 : 1;
}

/** The number a chapter's file name starts with (`docs/06_pgt_buf.md` is 6). */
function chapterNumber(path: string): number {
  const name = path.split(/[\\/]/).at(-1) ?? "";
  return Number(/^(\d+)/.exec(name)?.[1] ?? NaN);
}

/** Print one chapter: its prose, headings and figures, and each fence's live output. */
async function tourChapter(path: string, io: TourIo, step: boolean): Promise<boolean> {
  const markdown = await Deno.readTextFile(path);
  const lines = markdown.split("\n");
  // its own folder for the generated modules, so a tour never races the chapter tests' files
  const result = await executeChapter(path, {
    outDir: fileURLToPath(new URL("../.gen/tour/", import.meta.url)),
  });
  if (result.error !== undefined) {
    io.out(rule(lines[0]?.replace(/^# /, "") ?? path));
    io.out(indent(result.error, "  ! "));
    return false;
  }
  // every fence of the file by its opening line, and the runnable ones' results
  const fences = new Map<number, MarkdownFence>();
  for (const f of parseFences(markdown)) fences.set(f.openLine, f);
  const results = new Map<number, FenceResult>();
  for (const r of result.fences) results.set(r.fence.openLine, r);
  const outputFences = new Set(result.fences.flatMap((r) => r.fence.output?.openLine ?? []));

  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) io.out(wrap(prose(paragraph.join(" "))));
    paragraph = [];
  };
  let inDetails = false;
  for (let n = 1; n <= lines.length; n++) {
    const line = lines[n - 1];
    const fence = fences.get(n);
    if (fence !== undefined) {
      flush();
      const r = results.get(n);
      if (r !== undefined) {
        if (r.status === "failed") {
          io.out(indent(r.message ?? "", "  ! "));
          return false;
        }
        if (!inDetails && r.output !== "") {
          io.out(indent(r.output.replace(/\n$/, ""), "    "));
          if (step) await io.pause();
        }
      } else if (!outputFences.has(n) && !inDetails) {
        // code that is part of the prose (C from the kernel, shell commands)
        io.out(indent(fence.lines.join("\n"), "    "));
      }
      n = fence.closeLine;
      continue;
    }
    if (line.startsWith("<details>")) {
      flush();
      inDetails = true;
      io.out("  (the answer is folded in the chapter; it ran and was checked)");
      continue;
    }
    if (line.startsWith("</details>")) {
      inDetails = false;
      continue;
    }
    if (inDetails) continue;
    if (line.trim() === "") {
      flush();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading !== null) {
      flush();
      io.out("");
      io.out(heading[1].length === 1 ? rule(prose(heading[2])) : `  § ${prose(heading[2])}`);
      continue;
    }
    const figure = /^!\[([^\]]*)\]\(([^)]*)\)/.exec(line);
    if (figure !== null) {
      flush();
      io.out(wrap(`[figure, ${figure[2]}: ${figure[1]}]`));
      continue;
    }
    if (/^\s*[-*] /.test(line) || /^\s*\d+\. /.test(line)) flush(); // a list item starts anew
    paragraph.push(line.trim());
  }
  flush();
  const ok = result.fences.every((f) => f.status === "ok");
  const shown = result.fences.filter((f) => f.fence.output !== undefined).length;
  io.out("");
  io.out(`  ✔ ${result.fences.length} fences ran, every assertion held, ${shown} outputs matched`);
  return ok;
}

/** Markdown prose as plain text: links become their text, emphasis marks go, code stays. */
function prose(text: string): string {
  return text
    .replace(/!?\[([^\][]*)\]\([^)]*\)/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/(^|\s)_([^_]+)_(?=\s|[.,;:]|$)/g, "$1$2");
}

/** The terminal: standard output, and Enter to go on (no pause when not a terminal). */
function terminalIo(): TourIo {
  return {
    out: (text) => console.log(text),
    pause: () => {
      if (Deno.stdin.isTerminal()) prompt("  [Enter to go on]");
      return Promise.resolve();
    },
  };
}

function rule(text: string): string {
  const head = `━━ ${text} `;
  return head + "━".repeat(Math.max(3, WIDTH - head.length));
}

function indent(text: string, prefix: string): string {
  return text.split("\n").map((line) => prefix + line).join("\n");
}

function wrap(text: string): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > WIDTH - 2) {
      out.push("  " + line);
      line = word;
    } else {
      line = line === "" ? word : line + " " + word;
    }
  }
  if (line !== "") out.push("  " + line);
  return out.join("\n");
}

if (import.meta.main) {
  main(Deno.args).then((code) => Deno.exit(code));
}
