/**
 * The chapter runner's driver: write a chapter's module, import it, and run its fences in order,
 * checking each `output` fence and mapping every failure back to a Markdown line.
 *
 * @module
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileChapter, type CompiledChapter } from "./compile_chapter.ts";
import { findImport } from "./find_import.ts";
import { outputMatch } from "./output_match.ts";
import { type ChapterFence, ChapterParseError } from "./parse_chapter.ts";

/** Options of the chapter runner. */
export interface RunChapterOptions {
  /**
   * The project's root: failure messages name the chapter by its path relative to it. Default:
   * the nearest folder above the chapter that holds a `deno.json` (or `deno.jsonc`), else the
   * chapter's own folder.
   */
  root?: string | URL;
  /** Where the chapter's module is written (default: `<root>/.gen/chapters`). */
  outDir?: string | URL;
}

/** A chapter's module, written to disk. */
export interface WrittenChapter {
  /** The chapter's path relative to the root, with `/` separators (e.g. `docs/01_paging.md`). */
  file: string;
  /** The chapter's absolute path. */
  path: string;
  /** The absolute path of the module written for it. */
  module: string;
  /** What was compiled. */
  compiled: CompiledChapter;
}

/** How a fence went: run and passed, run and failed, or not run because an earlier one failed. */
export type FenceStatus = "ok" | "failed" | "skipped";

/** The result of one fence. */
export interface FenceResult {
  /** The fence. */
  fence: ChapterFence;
  /** Its step name, see {@linkcode fenceName}. */
  name: string;
  /** How it went. */
  status: FenceStatus;
  /** Why it failed, starting with `<chapter>:<markdown line>: `. Only set when it failed. */
  message?: string;
  /** What it printed with `console.log` and `console.info`, one call or more per line. */
  output: string;
}

/** A chapter whose module was imported (or could not be), ready to run fence by fence. */
export interface LoadedChapter {
  /** The chapter's path relative to the root, with `/` separators. */
  file: string;
  /** The runnable fences, in order (empty when the chapter could not be parsed). */
  fences: readonly ChapterFence[];
  /** Why the chapter could not be loaded (starting with `<chapter>:<line>: `), if it could not. */
  error?: string;
  /**
   * Runs the fence of the given index, which must be the next one. It is reported `skipped`
   * without running when the chapter did not load or an earlier fence failed.
   */
  runFence(index: number): Promise<FenceResult>;
}

/** The results of a whole chapter. */
export interface ChapterResult {
  /** The chapter's path relative to the root, with `/` separators. */
  file: string;
  /** Why the chapter could not be loaded, if it could not. */
  error?: string;
  /** One result per runnable fence, in order. */
  fences: FenceResult[];
}

/** A chapter failure, thrown by {@linkcode runChapter}; its message says where and what. */
export class ChapterError extends Error {
  /**
   * Creates the error.
   *
   * @param message Where and what, starting with `<chapter>:<markdown line>: `.
   */
  constructor(message: string) {
    super(message);
    this.name = "ChapterError";
    // The runner's own stack says nothing about the chapter (the message holds the chapter's),
    // and with a stack of exactly "name: message" Deno prints the message once and as written.
    this.stack = `${this.name}: ${message}`;
  }
}

/** This file's URL, to tell the runner's stack frames from the chapter's. */
const DRIVER_URL = import.meta.url;

/** How long a step name may get. */
const MAX_NAME_LENGTH = 60;

/**
 * Names a fence's step: `line <opening fence line>: <its first line of code>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChapter } from "./parse_chapter.ts";
 *
 * const tick = "`".repeat(3);
 * const markdown = ["# A", "", tick + "ts", "import {", "  a,", '} from "./a.ts";', "a();", tick];
 * const [fence] = parseChapter(markdown.join("\n"));
 * assert.equal(fenceName(fence), "line 3: a();");
 * ```
 *
 * @param fence The fence.
 * @returns The name.
 */
export function fenceName(fence: ChapterFence): string {
  const code: string[] = [];
  for (let i = 0; i < fence.source.length; i++) {
    const declaration = findImport(fence.source, i);
    if (declaration !== undefined) i += declaration.length - 1;
    else code.push(fence.source[i].trim());
  }
  const all = fence.source.map((line) => line.trim()).filter((line) => line !== "");
  const first = code.find((line) => line !== "" && !line.startsWith("//")) ?? all[0];
  if (first === undefined) return `line ${fence.openLine}`;
  const short = first.length > MAX_NAME_LENGTH ? `${first.slice(0, MAX_NAME_LENGTH - 1)}…` : first;
  return `line ${fence.openLine}: ${short}`;
}

/**
 * Compiles a chapter and writes its module to `<outDir>/<chapter name>.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * const tick = "`".repeat(3);
 * await Deno.writeTextFile(`${root}/01_a.md`, ["# A", tick + "ts", "const a = 1;", tick].join("\n"));
 * const written = await writeChapter(`${root}/01_a.md`, { root });
 * assert.equal(written.file, "01_a.md");
 * assert.equal(written.module, `${root}/.gen/chapters/01_a.ts`);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param chapter The Markdown file (a URL, or a path resolved against the working directory).
 * @param options Where the root and the output folder are.
 * @returns Where the chapter and its module are, and what was compiled.
 * @throws {ChapterError} When the chapter cannot be split into fences.
 */
export async function writeChapter(
  chapter: string | URL,
  options: RunChapterOptions = {},
): Promise<WrittenChapter> {
  return write(await locate(chapter, options));
}

/**
 * Writes a chapter's module and imports it. A chapter that does not parse, has a syntax error or
 * an import that does not resolve comes back with `error` set rather than as an exception, so
 * that a caller can report it like any other failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * const tick = "`".repeat(3);
 * const markdown = ["# A", tick + "ts", "console.log(6 * 7);", tick, tick + "output", "42", tick];
 * await Deno.writeTextFile(`${root}/01_a.md`, markdown.join("\n"));
 * const chapter = await loadChapter(`${root}/01_a.md`, { root });
 * const result = await chapter.runFence(0);
 * assert.deepEqual([result.status, result.output], ["ok", "42"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param chapter The Markdown file (a URL, or a path resolved against the working directory).
 * @param options Where the root and the output folder are.
 * @returns The chapter, ready to run fence by fence.
 */
export async function loadChapter(
  chapter: string | URL,
  options: RunChapterOptions = {},
): Promise<LoadedChapter> {
  const place = await locate(chapter, options);
  let written: WrittenChapter;
  try {
    written = await write(place);
  } catch (error) {
    if (!(error instanceof ChapterError)) throw error;
    return notLoaded(place.file, [], error.message);
  }
  const { file, compiled } = written;
  const locations = new LocationMap(pathToFileURL(written.module).href, file, compiled.lineTable);
  let steps: AsyncGenerator<number>;
  try {
    // The version parameter makes a changed chapter a new module within the same process.
    const url = `${pathToFileURL(written.module).href}?v=${hash(compiled.code)}`;
    const module: { chapter(): AsyncGenerator<number> } = await import(url);
    steps = module.chapter();
  } catch (error) {
    const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
    const line = locations.firstLine(text) ?? 1;
    const reason = error instanceof Error ? error.message : Deno.inspect(error);
    const message = `${file}:${line}: Cannot load the chapter: ${locations.rewrite(reason)}`;
    return notLoaded(file, compiled.fences, message);
  }

  let next = 0;
  let broken = false;
  return {
    file,
    fences: compiled.fences,
    async runFence(index: number): Promise<FenceResult> {
      const fence = compiled.fences[index];
      if (index !== next || fence === undefined) {
        throw new RangeError(`Fences run in order: fence ${next} is next, not fence ${index}`);
      }
      next++;
      const name = fenceName(fence);
      if (broken) return { fence, name, status: "skipped", output: "" };
      const { outcome, output } = await capture(() => steps.next());
      const message = failure(fence, outcome, output, file, locations);
      if (message === undefined) return { fence, name, status: "ok", output };
      broken = true;
      return { fence, name, status: "failed", message, output };
    },
  };
}

/**
 * Runs every fence of a chapter without a test context and returns what happened to each.
 *
 * @example A failing fence names its Markdown line, and the fences after it do not run
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * const tick = "`".repeat(3);
 * const markdown = [
 *   "# A", tick + "ts", "const a = 1;", tick, tick + "ts",
 *   "if (a === 1) throw new Error(`a is ${a}`);", tick, tick + "ts", "a;", tick,
 * ];
 * await Deno.writeTextFile(`${root}/01_a.md`, markdown.join("\n"));
 * const result = await executeChapter(`${root}/01_a.md`, { root });
 * assert.deepEqual(result.fences.map((f) => f.status), ["ok", "failed", "skipped"]);
 * assert.match(result.fences[1].message ?? "", /^01_a\.md:6: Error: a is 1\n/);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param chapter The Markdown file (a URL, or a path resolved against the working directory).
 * @param options Where the root and the output folder are.
 * @returns The load error, if any, and one result per fence.
 */
export async function executeChapter(
  chapter: string | URL,
  options: RunChapterOptions = {},
): Promise<ChapterResult> {
  const loaded = await loadChapter(chapter, options);
  const fences: FenceResult[] = [];
  for (const fence of loaded.fences) fences.push(await loaded.runFence(fence.index));
  return { file: loaded.file, error: loaded.error, fences };
}

/**
 * Runs a chapter inside a `Deno.test`, one `t.step` per fence, named by {@linkcode fenceName}.
 * A failing fence fails its step with a {@linkcode ChapterError}; the fences after it are
 * reported ignored, since the state they would run on is broken. A chapter that cannot be loaded
 * fails the test itself.
 *
 * @example
 * ```ts
 * Deno.test({
 *   name: "docs/01_x86_paging.md",
 *   ignore: true, // a chapter of the book is run by tests/chapters_test.ts
 *   fn: async (t) => {
 *     await runChapter("docs/01_x86_paging.md", t);
 *   },
 * });
 * ```
 *
 * @param chapter The Markdown file (a URL, or a path resolved against the working directory).
 * @param t The context of the chapter's test.
 * @param options Where the root and the output folder are.
 * @returns The result of every fence.
 * @throws {ChapterError} When the chapter cannot be loaded.
 */
export async function runChapter(
  chapter: string | URL,
  t: Deno.TestContext,
  options: RunChapterOptions = {},
): Promise<ChapterResult> {
  const loaded = await loadChapter(chapter, options);
  if (loaded.error !== undefined) throw new ChapterError(loaded.error);
  const fences: FenceResult[] = [];
  let failed = false;
  for (const fence of loaded.fences) {
    const name = fenceName(fence);
    if (failed) {
      fences.push(await loaded.runFence(fence.index));
      await t.step({ name, ignore: true, fn: () => {} });
      continue;
    }
    await t.step(name, async () => {
      const result = await loaded.runFence(fence.index);
      fences.push(result);
      if (result.status !== "failed") return;
      failed = true;
      throw new ChapterError(result.message ?? `${loaded.file}:${fence.openLine}: Failed`);
    });
  }
  return { file: loaded.file, fences };
}

/** Where a chapter is, and where its module goes. */
interface Place {
  /** The chapter's absolute path. */
  path: string;
  /** The chapter's path relative to the root, with `/` separators. */
  file: string;
  /** The folder the module is written to. */
  outDir: string;
}

/** Works out where a chapter is, what it is called in messages, and where its module goes. */
async function locate(chapter: string | URL, options: RunChapterOptions): Promise<Place> {
  const path = toPath(chapter);
  const root = options.root === undefined ? await findRoot(dirname(path)) : toPath(options.root);
  return {
    path,
    file: relative(root, path).replaceAll("\\", "/"),
    outDir: options.outDir === undefined ? join(root, ".gen", "chapters") : toPath(options.outDir),
  };
}

/** Compiles a chapter and writes its module. */
async function write({ path, file, outDir }: Place): Promise<WrittenChapter> {
  const markdown = await Deno.readTextFile(path);
  let compiled: CompiledChapter;
  try {
    compiled = compileChapter(markdown, { file: path, name: file });
  } catch (error) {
    if (error instanceof ChapterParseError) {
      throw new ChapterError(`${file}:${error.line}: ${error.message}`);
    }
    throw error;
  }
  const module = join(outDir, `${basename(path, ".md")}.ts`);
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(module, compiled.code);
  return { file, path, module, compiled };
}

/** A chapter that did not load: every fence reports skipped. */
function notLoaded(file: string, fences: readonly ChapterFence[], error: string): LoadedChapter {
  let next = 0;
  return {
    file,
    fences,
    error,
    runFence(index: number): Promise<FenceResult> {
      const fence = fences[index];
      if (index !== next || fence === undefined) {
        throw new RangeError(`Fences run in order: fence ${next} is next, not fence ${index}`);
      }
      next++;
      return Promise.resolve({ fence, name: fenceName(fence), status: "skipped", output: "" });
    },
  };
}

/** What stepping the chapter did: the fence finished, or it threw. */
type Outcome =
  | { threw: false; step: IteratorResult<number> }
  | { threw: true; error: unknown };

/** Runs one step of the chapter, capturing what it prints with `console.log`/`console.info`. */
async function capture(
  step: () => Promise<IteratorResult<number>>,
): Promise<{ outcome: Outcome; output: string }> {
  const printed: string[] = [];
  const { log, info } = console;
  const limit = Error.stackTraceLimit;
  const print = (...args: unknown[]): void => {
    printed.push(args.map(formatArg).join(" "));
  };
  console.log = print;
  console.info = print;
  // The chapter's frame may sit below many frames of the simulator: keep enough to find it.
  Error.stackTraceLimit = Math.max(limit, 100);
  let outcome: Outcome;
  try {
    outcome = { threw: false, step: await step() };
  } catch (error) {
    outcome = { threw: true, error };
  } finally {
    console.log = log;
    console.info = info;
    Error.stackTraceLimit = limit;
  }
  return { outcome, output: printed.join("\n") };
}

/**
 * Formats one `console.log` argument: strings as they are, anything else inspected (as Deno's
 * console does; format specifiers such as `%s` are not interpreted).
 */
function formatArg(arg: unknown): string {
  return typeof arg === "string" ? arg : Deno.inspect(arg, { colors: false, depth: 4 });
}

/** Why a fence failed, or `undefined` when it passed. */
function failure(
  fence: ChapterFence,
  outcome: Outcome,
  output: string,
  file: string,
  locations: LocationMap,
): string | undefined {
  if (outcome.threw) return thrownMessage(outcome.error, fence, output, file, locations);
  if (outcome.step.done || outcome.step.value !== fence.index) {
    return `${file}:${fence.openLine}: The chapter ended before this fence ran ` +
      "(a `return` in an earlier fence?)";
  }
  if (fence.output === undefined) return undefined;
  const expected = fence.output.lines;
  const actual = output === "" ? [] : output.split("\n");
  const at = outputMatch(expected, actual);
  if (at === -1) return undefined;
  const line = at < expected.length ? fence.output.openLine + 1 + at : fence.output.closeLine;
  return [
    `${file}:${line}: Output of the fence at line ${fence.openLine} does not match its output ` +
    `fence (line ${fence.output.openLine})`,
    `expected: ${
      at < expected.length ? JSON.stringify(expected[at]) : "(end of the output fence)"
    }`,
    `actual:   ${at < actual.length ? JSON.stringify(actual[at]) : "(end of the output)"}`,
    actual.length === 0 ? "The fence printed nothing." : `Full output (${actual.length} lines):`,
    ...actual,
  ].join("\n");
}

/** The message for an exception thrown by a fence. */
function thrownMessage(
  error: unknown,
  fence: ChapterFence,
  output: string,
  file: string,
  locations: LocationMap,
): string {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  // No frame in the chapter (say, a rejection from a timer callback): blame the fence itself.
  const line = locations.firstLine(stack) ?? fence.openLine;
  const what = error instanceof Error
    ? `${error.name}: ${error.message}`
    : `Uncaught ${Deno.inspect(error, { colors: false })}`;
  const frames = stack.split("\n").filter((text) => /^\s+at /.test(text));
  // Below the chapter's last frame there are only the runner's (the generator's resumption, the
  // driver, the test), the same for every fence.
  const last = frames.findLastIndex((text) => locations.firstLine(text) !== undefined);
  const driver = frames.findIndex((text) => text.includes(DRIVER_URL));
  if (last !== -1) frames.length = last + 1;
  else if (driver !== -1) frames.length = driver;
  const parts = [`${file}:${line}: ${what}`];
  if (error instanceof Error && error.cause !== undefined) {
    parts.push(`Caused by: ${Deno.inspect(error.cause, { colors: false })}`);
  }
  if (output !== "") parts.push(`Output before the failure:\n${output}`);
  // The stack comes last, where Deno's own report of an error puts it.
  if (frames.length > 0) parts.push(locations.rewrite(frames.join("\n")));
  return parts.join("\n");
}

/** Maps locations in the chapter's module (`<module url>:<line>:<column>`) to the Markdown. */
class LocationMap {
  #pattern: RegExp;
  #file: string;
  #lineTable: readonly number[];

  constructor(moduleUrl: string, file: string, lineTable: readonly number[]) {
    // The query string (the version parameter) is optional: V8 may name a module by the first
    // URL that loaded the same source.
    const escaped = moduleUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.#pattern = new RegExp(`${escaped}(?:\\?[^:\\s)]*)?:(\\d+):(\\d+)`, "g");
    this.#file = file;
    this.#lineTable = lineTable;
  }

  /** The Markdown line of the first location in the text that maps to one. */
  firstLine(text: string): number | undefined {
    for (const match of stripAnsi(text).matchAll(this.#pattern)) {
      const line = this.#lineTable[Number(match[1]) - 1];
      if (line !== undefined && line > 0) return line;
    }
    return undefined;
  }

  /** The text with every mappable location replaced by `<chapter>:<line>:<column>`. */
  rewrite(text: string): string {
    return stripAnsi(text).replace(this.#pattern, (whole: string, line: string, column: string) => {
      const mapped = this.#lineTable[Number(line) - 1];
      return mapped !== undefined && mapped > 0 ? `${this.#file}:${mapped}:${column}` : whole;
    });
  }
}

/**
 * The text without ANSI colour codes. Deno colours its own error messages (a module that cannot
 * be resolved, a syntax error's code frame) unless NO_COLOR is set, and a colour code inside a
 * location would hide it from the location pattern.
 */
function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Turns a URL or a path (relative to the working directory) into an absolute path. */
function toPath(place: string | URL): string {
  return typeof place === "string" ? resolve(place) : fileURLToPath(place);
}

/** The nearest folder from `dir` up that holds a Deno configuration file, else `dir`. */
async function findRoot(dir: string): Promise<string> {
  for (let here = dir;; here = dirname(here)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        await Deno.stat(join(here, name));
        return here;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    if (dirname(here) === here) return dir;
  }
}

/** A short hash of a text (FNV-1a, 32 bits), to version a module's URL. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
