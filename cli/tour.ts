/**
 * The guided tour (`deno task tour`): every chapter of the book, in order, run live through the
 * chapter runner, with what each chapter shows and the outputs the model prints.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { executeChapter, type FenceResult, listChapters, parseFences } from "../docs/runner/mod.ts";

const WIDTH = 100;

/**
 * Walk through the book in the terminal.
 *
 * Each chapter is run for real, so what the tour prints is what the model does now; an output that
 * no longer matches its chapter, or a failing assertion, stops the tour with the chapter's own
 * error message.
 *
 * @param args Command-line arguments: none, or `--help`.
 * @returns The process exit code: 0 when every chapter ran and matched its text, 1 otherwise,
 *   2 for unknown arguments.
 */
export async function main(args: readonly string[]): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    console.log("Usage: deno task tour    walk through every chapter of the book, run live");
    return 0;
  }
  if (args.length > 0) {
    console.error(`Unknown arguments "${args.join(" ")}": run \`deno task tour --help\``);
    return 2;
  }
  const docs = fileURLToPath(new URL("../docs/", import.meta.url));
  const chapters = await listChapters(docs);
  console.log(rule("xen-mmu-book: a guided tour"));
  console.log(wrap(
    "How Linux builds its first kernel page tables under the Xen PV MMU. Each chapter below is " +
      "run live; the outputs are what the model prints now, and each was checked against the " +
      "chapter's text.",
  ));
  let failed = 0;
  for (const path of chapters) {
    if (!await tourChapter(path)) failed++;
  }
  console.log("");
  console.log(rule(
    failed === 0
      ? `${chapters.length} chapters, all run and checked`
      : `${failed} of ${chapters.length} chapters failed`,
  ));
  return failed === 0 ? 0 : 1;
}

async function tourChapter(path: string): Promise<boolean> {
  const markdown = await Deno.readTextFile(path);
  const lines = markdown.split("\n");
  const inFence = new Set<number>();
  for (const fence of parseFences(markdown)) {
    for (let l = fence.openLine; l <= fence.closeLine; l++) inFence.add(l);
  }
  const title = lines.find((line) => line.startsWith("# "))?.slice(2) ?? path;
  const result = await executeChapter(path);
  console.log("");
  console.log(rule(title));
  console.log(`  ${result.file}`);
  console.log(wrap(leadParagraph(lines, inFence)));
  if (result.error !== undefined) {
    console.log(indent(result.error, "  ! "));
    return false;
  }
  let shown = 0;
  let lastHeading = "";
  for (const fence of result.fences) {
    if (fence.status !== "ok") {
      if (fence.status === "failed") console.log(indent(fence.message ?? "", "  ! "));
      continue;
    }
    if (fence.fence.output === undefined || fence.output === "") continue;
    const heading = headingBefore(lines, inFence, fence);
    if (heading !== lastHeading) {
      console.log("");
      console.log(`  § ${heading}`);
      lastHeading = heading;
    }
    console.log(indent(fence.output.replace(/\n$/, ""), "    "));
    shown++;
  }
  const ok = result.fences.every((f) => f.status === "ok");
  console.log("");
  console.log(
    ok
      ? `  ✔ ${result.fences.length} fences ran, every assertion held, ${shown} outputs matched the text`
      : "  ✘ the chapter failed: see the message above",
  );
  return ok;
}

/** The first paragraph after the title that is prose (not a quote, heading or fence). */
function leadParagraph(lines: readonly string[], inFence: ReadonlySet<number>): string {
  const paragraph: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const prose = !inFence.has(i + 1) && line.trim() !== "" && !/^(#|>|\||-|```)/.test(line);
    if (prose) paragraph.push(line.trim());
    else if (paragraph.length > 0) break;
  }
  return paragraph.join(" ");
}

/** The nearest `## ` heading above a fence. */
function headingBefore(
  lines: readonly string[],
  inFence: ReadonlySet<number>,
  result: FenceResult,
): string {
  for (let l = result.fence.openLine - 1; l >= 1; l--) {
    if (!inFence.has(l) && lines[l - 1].startsWith("## ")) return lines[l - 1].slice(3);
  }
  return "";
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
