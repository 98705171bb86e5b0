/**
 * The chapter runner's notebook, in a page: a chapter's TypeScript fences (as written, or as the
 * reader edited them) become one async generator whose body holds every fence in order, so they
 * share one scope and run one at a time, as `docs/runner` runs them in Deno. Types are stripped
 * with `npm:sucrase`; imports are hoisted (as the runner hoists them) and read from the modules
 * the page provides (`@xenmmu/book` and a browser `node:assert/strict`). What a fence prints with
 * `console.log` or `console.info` is compared with its `output` fence, with the runner's rule.
 *
 * @module
 */

import { transform } from "sucrase";
import { findImport } from "../docs/runner/find_import.ts";
import { outputMatch } from "../docs/runner/output_match.ts";
import { formatArg } from "./inspect.ts";

/** One fence to run: its code and, when an `output` fence follows it, the lines it must print. */
export interface PageFence {
  /** The fence's TypeScript. */
  code: string;
  /** The lines of its `output` fence, if it has one. */
  expected?: readonly string[];
  /** The Markdown line of the opening fence, for messages. */
  openLine: number;
}

/** What happened to one fence. */
export interface PageFenceResult {
  /** The fence's position among the runnable fences, from 0. */
  index: number;
  /** Ran and did not throw; threw; or not run because an earlier fence threw. */
  status: "ok" | "failed" | "skipped";
  /** What it printed, one `console.log` call or more per line. */
  output: string;
  /**
   * Whether the output matches the `output` fence exactly (with `[..]` masks); `undefined` when
   * the fence has no output fence or did not finish.
   */
  matches?: boolean;
  /** Why it failed, or where the output first differs. */
  message?: string;
}

/** The modules a chapter may import, by specifier. */
export type PageModules = Readonly<Record<string, Record<string, unknown>>>;

/** The name the generated program gets in stack traces. */
const SOURCE_NAME = "chapter-fences.js";

/**
 * Turns one hoisted import declaration into a declaration that reads the provided modules:
 * `import a, { b as c, type T } from "m"` becomes `const a = __import("m").default;
 * const { b: c } = __import("m");`. Type-only imports vanish.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   importToConst('import assert, { ok as yes, type T } from "node:assert/strict";'),
 *   'const assert = __import("node:assert/strict").default; const { ok: yes } = __import("node:assert/strict");',
 * );
 * assert.equal(importToConst('import type { A } from "@xenmmu/book";'), "");
 * ```
 *
 * @param declaration The declaration's text.
 * @returns The replacement (possibly empty).
 * @throws {SyntaxError} For a form the browser runner does not know.
 */
export function importToConst(declaration: string): string {
  const text = declaration.replace(/\/\/[^\n]*$/gm, "").replace(/\s+/g, " ").trim();
  if (/^import type[\s{]/.test(text)) return "";
  const bare = /^import ?(["'])([^"']+)\1/.exec(text);
  if (bare !== null) return `__import(${JSON.stringify(bare[2])});`;
  const m = /^import (.*?) ?from ?(["'])([^"']+)\2/.exec(text);
  if (m === null) throw new SyntaxError(`Cannot read the import declaration: ${text}`);
  const spec = JSON.stringify(m[3]);
  const out: string[] = [];
  let clause = m[1].trim();
  const named = /\{([^}]*)\}/.exec(clause);
  if (named !== null) {
    clause = clause.replace(named[0], "").replace(/,\s*$/, "").replace(/^\s*,/, "").trim();
    const names = named[1].split(",").map((s) => s.trim()).filter((s) => s !== "")
      .filter((s) => !/^type\s/.test(s))
      .map((s) => s.replace(/^(\S+)\s+as\s+(\S+)$/, "$1: $2"));
    if (names.length > 0) out.push(`const { ${names.join(", ")} } = __import(${spec});`);
  }
  const star = /\*\s*as\s+([\w$]+)/.exec(clause);
  if (star !== null) {
    out.unshift(`const ${star[1]} = __import(${spec});`);
    clause = clause.replace(star[0], "").replace(/,\s*$/, "").trim();
  }
  clause = clause.replace(/,\s*$/, "").trim();
  if (clause !== "") out.unshift(`const ${clause} = __import(${spec}).default;`);
  return out.join(" ");
}

/** The generated program and, for each of its lines, the fence and fence line it came from. */
export interface CompiledFences {
  /** JavaScript: a call of `__define` with the chapter's async generator function. */
  code: string;
  /** `origin[n - 1]` is the fence index and line (from 0) of program line `n`, or null. */
  origin: ({ fence: number; line: number } | null)[];
}

/**
 * Compiles fences into one program: line 1 opens the generator and declares every hoisted
 * import, then each fence's lines follow in order, each fence closed by `yield <index>;`.
 *
 * @param fences The fences' code, in order.
 * @returns The JavaScript and its line origins.
 * @throws {SyntaxError} When the code does not parse (the message names the fence line).
 */
export function compileFences(fences: readonly string[]): CompiledFences {
  const imports: string[] = [];
  const body: string[] = [];
  const origin: CompiledFences["origin"] = [null];
  fences.forEach((code, index) => {
    const lines = code.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const declaration = findImport(lines, i);
      if (declaration !== undefined) {
        imports.push(importToConst(declaration.join("\n")));
        // Keep the lines so that later lines keep their numbers.
        for (let j = 0; j < declaration.length; j++) {
          body.push("");
          origin.push({ fence: index, line: i + j });
        }
        i += declaration.length - 1;
        continue;
      }
      body.push(lines[i]);
      origin.push({ fence: index, line: i });
    }
    body.push(`yield ${index};`);
    origin.push(null);
  });
  const source = [
    `__define(async function* chapter(__import) { ${imports.filter((s) => s !== "").join(" ")}`,
    ...body,
    "});",
  ].join("\n");
  origin.push(null);
  let code: string;
  try {
    code = transform(source, { transforms: ["typescript"], disableESTransforms: true }).code;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /\((\d+):(\d+)\)/.exec(message);
    const where = at === null ? null : origin[Number(at[1]) - 1];
    const line = where === null || where === undefined
      ? ""
      : ` (fence ${where.fence + 1}, line ${where.line + 1})`;
    throw new SyntaxError(`${message.replace(/\s*\(\d+:\d+\)$/, "")}${line}`);
  }
  return { code: `${code}\n//# sourceURL=${SOURCE_NAME}`, origin };
}

/** Where an error was thrown in the fences, from its stack, or null. */
function fenceLine(error: unknown, compiled: CompiledFences, offset: number): string {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const at = new RegExp(`${SOURCE_NAME.replace(".", "\\.")}:(\\d+):\\d+`).exec(stack);
  if (at === null) return "";
  const where = compiled.origin[Number(at[1]) - 1 - offset];
  return where ? ` (fence ${where.fence + 1}, line ${where.line + 1})` : "";
}

/** How many lines `new Function` puts before the body, measured once (2 in V8). */
let functionOffset: number | undefined;
function measureOffset(): number {
  if (functionOffset !== undefined) return functionOffset;
  try {
    new Function(`throw new Error();\n//# sourceURL=${SOURCE_NAME}`)();
  } catch (error) {
    const at = new RegExp(`${SOURCE_NAME.replace(".", "\\.")}:(\\d+)`).exec(
      (error as Error).stack ?? "",
    );
    functionOffset = at === null ? 0 : Number(at[1]) - 1;
  }
  return functionOffset ?? 0;
}

/**
 * Runs fences in order in one scope and checks each output. A fence that throws stops the
 * chapter (the later fences are `skipped`, their state being broken); an output that differs is
 * reported and the run goes on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const results = await runFences([
 *   { code: "const n: number = 6 * 7;", openLine: 1 },
 *   { code: "console.log({ n });", expected: ["{ n: 42 }"], openLine: 5 },
 * ], {});
 * assert.deepEqual(results.map((r) => [r.status, r.matches]), [["ok", undefined], ["ok", true]]);
 * ```
 *
 * @param fences The fences, in order.
 * @param modules What their imports resolve to.
 * @param onResult Called as each fence finishes (to update the page as it goes).
 * @returns One result per fence.
 */
export async function runFences(
  fences: readonly PageFence[],
  modules: PageModules,
  onResult?: (result: PageFenceResult) => void | Promise<void>,
): Promise<PageFenceResult[]> {
  const results: PageFenceResult[] = [];
  const report = async (result: PageFenceResult) => {
    results.push(result);
    await onResult?.(result);
  };
  let compiled: CompiledFences;
  let steps: AsyncGenerator<number>;
  try {
    compiled = compileFences(fences.map((f) => f.code));
    let chapter: ((load: (spec: string) => unknown) => AsyncGenerator<number>) | undefined;
    new Function("__define", compiled.code)((fn: typeof chapter) => (chapter = fn));
    steps = chapter!((spec: string) => {
      const module = modules[spec];
      if (module === undefined) {
        throw new Error(`The page cannot load "${spec}": only ${Object.keys(modules).join(", ")}`);
      }
      return module;
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (let i = 0; i < fences.length; i++) {
      await report(
        i === 0
          ? { index: i, status: "failed", output: "", message }
          : { index: i, status: "skipped", output: "" },
      );
    }
    return results;
  }
  let broken = false;
  for (let index = 0; index < fences.length; index++) {
    if (broken) {
      await report({ index, status: "skipped", output: "" });
      continue;
    }
    const printed: string[] = [];
    const { log, info } = console;
    const print = (...args: unknown[]): void => {
      printed.push(args.map(formatArg).join(" "));
    };
    console.log = print;
    console.info = print;
    let result: PageFenceResult;
    try {
      const step = await steps.next();
      const output = printed.join("\n");
      if (step.done || step.value !== index) {
        broken = true;
        result = {
          index,
          status: "failed",
          output,
          message: "The chapter ended before this fence ran (a `return` in an earlier fence?)",
        };
      } else {
        result = { index, status: "ok", output, ...compare(fences[index].expected, output) };
      }
    } catch (error) {
      broken = true;
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      result = {
        index,
        status: "failed",
        output: printed.join("\n"),
        message: `${what}${fenceLine(error, compiled, measureOffset())}`,
      };
    } finally {
      console.log = log;
      console.info = info;
    }
    await report(result);
  }
  return results;
}

/** Compares printed text with an output fence, as the chapter runner does. */
function compare(
  expected: readonly string[] | undefined,
  output: string,
): { matches?: boolean; message?: string } {
  if (expected === undefined) return {};
  const actual = output === "" ? [] : output.split("\n");
  const at = outputMatch(expected, actual);
  if (at === -1) return { matches: true };
  return {
    matches: false,
    message: `line ${at + 1} differs: expected ${
      at < expected.length ? JSON.stringify(expected[at]) : "(end of the output fence)"
    }, printed ${at < actual.length ? JSON.stringify(actual[at]) : "(end of the output)"}`,
  };
}
