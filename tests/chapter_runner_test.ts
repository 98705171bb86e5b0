// Tests of the chapter runner (docs/runner/). Fixture chapters are written to temporary folders:
// a Markdown file in the repository would be run fence by fence by `deno test --doc`.

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type ChapterResult,
  compileChapter,
  executeChapter,
  generateChapters,
  lineMatches,
  loadChapter,
  outputMatch,
  parseChapter,
  parseFences,
} from "../docs/runner/mod.ts";

/** A fence marker, kept out of this file's own lines. */
const F = "```";

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chapter_runner_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `<dir>/docs/<name>` from its lines (line n of the chapter is `lines[n - 1]`). */
async function writeFixture(dir: string, name: string, lines: string[]): Promise<string> {
  await Deno.mkdir(join(dir, "docs"), { recursive: true });
  const path = join(dir, "docs", name);
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

/** Writes a fixture chapter and runs it with `dir` as the root. */
async function run(dir: string, name: string, lines: string[]): Promise<ChapterResult> {
  return await executeChapter(await writeFixture(dir, name, lines), { root: dir });
}

/** The status of every fence. */
function statuses(result: ChapterResult): string[] {
  return result.fences.map((fence) => fence.status);
}

/** The failure message of the only failed fence. */
function failureOf(result: ChapterResult): string {
  const failed = result.fences.filter((fence) => fence.status === "failed");
  assert.equal(failed.length, 1, `one fence should fail: ${JSON.stringify(result, null, 2)}`);
  return failed[0].message ?? "";
}

Deno.test("chapter runner: a chapter is one program", async (t) => {
  await inTempDir(async (dir) => {
    await t.step("state carries across fences", async () => {
      const result = await run(dir, "01_state.md", [
        "# State", //                                   1
        F + "ts", //                                    2
        "const machine = { pages: 3 };", //             3
        "let counter = 1;", //                          4
        F, //                                           5
        "Prose between the fences.", //                 6
        F + "ts", //                                    7
        "counter += machine.pages;", //                 8
        F, //                                           9
        F + "ts", //                                   10
        'import assert from "node:assert/strict";', // 11
        "assert.equal(counter, 4);", //                12
        "assert.equal(machine.pages, 3);", //          13
        F, //                                          14
      ]);
      assert.equal(result.error, undefined);
      assert.deepEqual(statuses(result), ["ok", "ok", "ok"]);
    });

    await t.step("imports are hoisted and relative ones resolve against the chapter", async () => {
      await Deno.mkdir(join(dir, "lib"));
      await Deno.writeTextFile(
        join(dir, "lib", "helper.ts"),
        "export const answer = 42;\nexport function double(n: number): number { return 2 * n; }\n" +
          "export interface Pair { a: number; b: number }\n",
      );
      const path = await writeFixture(dir, "02_imports.md", [
        "# Imports",
        F + "ts",
        "assert.equal(double(answer), 84); // used before the fence that imports it",
        F,
        F + "ts",
        "import {",
        "  answer, // a comment inside the import",
        "  double,",
        '} from "../lib/helper.ts";',
        'import type { Pair } from "../lib/helper.ts";',
        "import assert from 'node:assert/strict';",
        "const pair: Pair = { a: answer, b: double(1) };",
        "assert.deepEqual(pair, { a: 42, b: 2 });",
        F,
      ]);
      // The module is written far from the chapter: relative imports must still work.
      const outDir = join(dir, "elsewhere", "deeper");
      const result = await executeChapter(path, { root: dir, outDir });
      assert.equal(result.error, undefined);
      assert.deepEqual(statuses(result), ["ok", "ok"]);
      const code = await Deno.readTextFile(join(outDir, "02_imports.ts"));
      assert.ok(code.includes(`from "${pathToFileURL(join(dir, "lib", "helper.ts")).href}"`));
    });

    await t.step("top-level await works in fences", async () => {
      const result = await run(dir, "03_await.md", [
        "# Await",
        F + "ts",
        "const value = await Promise.resolve(7);",
        "await new Promise((resolve) => setTimeout(resolve, 1));",
        "console.log(value * 6);",
        F,
        "",
        F + "output",
        "42",
        F,
      ]);
      assert.deepEqual(statuses(result), ["ok"]);
      assert.equal(result.fences[0].output, "42");
    });

    await t.step("import.meta stands for the chapter", async () => {
      const result = await run(dir, "04_meta.md", [
        "# Meta",
        F + "ts",
        'import assert from "node:assert/strict";',
        `assert.equal(import.meta.url, ${JSON.stringify(pathToFileURL(join(dir, "docs")).href)} +`,
        '  "/04_meta.md");',
        'assert.equal(import.meta.resolve("./x.yaml"), new URL("./x.yaml", import.meta.url).href);',
        F,
      ]);
      assert.equal(result.error, undefined);
      assert.deepEqual(statuses(result), ["ok"]);
    });
  });
});

Deno.test("chapter runner: output fences", async (t) => {
  await inTempDir(async (dir) => {
    await t.step("a correct output fence passes", async () => {
      const result = await run(dir, "01_ok.md", [
        "# Output",
        F + "ts",
        'console.log("plain", 1, "two");',
        'console.info({ a: 1, b: [1, 2] }, "x");',
        'console.log("multi\\nline");',
        'console.log("");',
        'console.log("  trailing  ");',
        F,
        "",
        "",
        F + "output",
        "plain 1 two",
        "{ a: 1, b: [ 1, 2 ] } x",
        "multi",
        "line",
        "",
        "  trailing  ",
        F,
      ]);
      assert.deepEqual(statuses(result), ["ok"]);
    });

    await t.step("a wrong line is reported at its Markdown line", async () => {
      const result = await run(dir, "02_wrong.md", [
        "# Output", //                 1
        F + "ts", //                   2
        'console.log("a\\nb\\nc");', // 3
        F, //                          4
        F + "output", //               5
        "a", //                        6
        "B", //                        7
        "c", //                        8
        F, //                          9
      ]);
      assert.equal(
        failureOf(result),
        [
          "docs/02_wrong.md:7: Output of the fence at line 2 does not match its output fence " +
          "(line 5)",
          'expected: "B"',
          'actual:   "b"',
          "Full output (3 lines):",
          "a",
          "b",
          "c",
        ].join("\n"),
      );
    });

    await t.step("a missing line is reported where it was expected", async () => {
      const result = await run(dir, "03_missing.md", [
        "# Output",
        F + "ts",
        'console.log("a");',
        F,
        F + "output",
        "a",
        "b",
        F,
      ]);
      const message = failureOf(result);
      assert.ok(message.startsWith("docs/03_missing.md:7: "), message);
      assert.ok(message.includes('\nexpected: "b"\nactual:   (end of the output)\n'), message);
    });

    await t.step("an extra line is reported at the closing fence", async () => {
      const result = await run(dir, "04_extra.md", [
        "# Output",
        F + "ts",
        'console.log("a\\nb");',
        F,
        F + "output",
        "a",
        F,
      ]);
      const message = failureOf(result);
      assert.ok(message.startsWith("docs/04_extra.md:7: "), message);
      assert.ok(
        message.includes('\nexpected: (end of the output fence)\nactual:   "b"\n'),
        message,
      );
    });

    await t.step("an empty output fence means the fence prints nothing", async () => {
      const quiet = await run(dir, "05_quiet.md", [
        "# Q",
        F + "ts",
        "const x = 1;",
        F,
        F + "output",
        F,
      ]);
      assert.deepEqual(statuses(quiet), ["ok"]);
      const noisy = await run(dir, "06_noisy.md", [
        "# N",
        F + "ts",
        "console.log(1);",
        F,
        F + "output",
        F,
      ]);
      assert.ok(failureOf(noisy).startsWith("docs/06_noisy.md:6: "));
    });

    await t.step("[..] masks match within a line, never across lines", async () => {
      const masked = await run(dir, "07_mask.md", [
        "# Masks",
        F + "ts",
        "console.log(`took ${Math.random()} ms, at ${Date.now()}`);",
        'console.log("[..] is plain text when printed");',
        F,
        F + "output",
        "took [..] ms, at [..]",
        "[..] is plain text when printed",
        F,
      ]);
      assert.deepEqual(statuses(masked), ["ok"]);
      const across = await run(dir, "08_across.md", [
        "# Masks",
        F + "ts",
        'console.log("a 1\\nb 2");',
        F,
        F + "output",
        "a [..]",
        F,
      ]);
      assert.ok(failureOf(across).startsWith("docs/08_across.md:7: "));
    });

    await t.step("a fence without an output fence may print anything", async () => {
      const result = await run(dir, "09_free.md", [
        "# Free",
        F + "ts",
        'console.log("anything");',
        F,
        "Prose, so the next fence is not this fence's output:",
        F + "output",
        "something else",
        F,
        F + "ts ignore",
        "console.log(1);",
        F,
        F + "output",
        "not checked either",
        F,
      ]);
      assert.deepEqual(statuses(result), ["ok"]);
      assert.equal(result.fences[0].fence.output, undefined);
    });
  });
});

Deno.test("chapter runner: failures name the Markdown line", async (t) => {
  await inTempDir(async (dir) => {
    await t.step("a throwing statement, and the fences after it are skipped", async () => {
      const result = await run(dir, "01_throw.md", [
        "# Throw", //                                        1
        F + "ts", //                                         2
        'import assert from "node:assert/strict";', //      3
        "const pages = 3;", //                              4
        F, //                                                5
        F + "ts", //                                         6
        'console.log("before");', //                        7
        "await Promise.resolve();", //                      8
        '  assert.equal(pages, 4, "pages should be 4");', // 9
        F, //                                               10
        F + "ts", //                                        11
        "const after = 1;", //                             12
        F, //                                               13
        F + "ts", //                                        14
        "const later = 2;", //                             15
        F, //                                               16
      ]);
      assert.deepEqual(statuses(result), ["ok", "failed", "skipped", "skipped"]);
      const message = failureOf(result);
      assert.ok(
        message.startsWith("docs/01_throw.md:9: AssertionError: pages should be 4\n"),
        message,
      );
      assert.ok(message.includes("\nOutput before the failure:\nbefore\n    at "), message);
      // The chapter's stack frame is rewritten to the Markdown line and column, and the runner's
      // own frames are left out.
      assert.match(message, /\n {4}at .*\(docs\/01_throw\.md:9:10\)$/);
    });

    await t.step("an error thrown deep in a called function names the chapter's line", async () => {
      const result = await run(dir, "02_deep.md", [
        "# Deep",
        F + "ts",
        'function inner(): never { throw new RangeError("Frame 9 is outside memory"); }',
        "function outer(): void { inner(); }",
        F,
        F + "ts",
        "",
        "outer();",
        F,
      ]);
      assert.ok(
        failureOf(result).startsWith("docs/02_deep.md:3: RangeError: Frame 9 is outside memory"),
      );
    });

    await t.step("a thrown non-error is reported too", async () => {
      const result = await run(dir, "03_value.md", ["# V", F + "ts", 'throw "bare";', F]);
      assert.ok(failureOf(result).startsWith('docs/03_value.md:2: Uncaught "bare"'));
    });

    await t.step("ts ignore fences are neither run nor compiled", async () => {
      const result = await run(dir, "04_ignore.md", [
        "# Ignore",
        F + "ts ignore",
        "this is not TypeScript (",
        F,
        F + "text",
        "nor is this (",
        F,
        F + "ts",
        "const ok = true;",
        F,
      ]);
      assert.equal(result.error, undefined);
      assert.deepEqual(statuses(result), ["ok"]);
    });

    await t.step("a syntax error fails the chapter at its line, and no fence runs", async () => {
      const result = await run(dir, "05_syntax.md", [
        "# Syntax", //             1
        F + "ts", //               2
        'console.log("first");', // 3
        F, //                      4
        F + "ts", //               5
        "const x = (1 + ;", //     6
        F, //                      7
      ]);
      assert.ok(
        result.error?.startsWith("docs/05_syntax.md:6: Cannot load the chapter: SyntaxError"),
        result.error,
      );
      assert.deepEqual(statuses(result), ["skipped", "skipped"]);
    });

    await t.step("an import that does not resolve fails the chapter at the import", async () => {
      const result = await run(dir, "06_resolve.md", [
        "# Resolve",
        F + "ts",
        "const a = 1;",
        'import { nothing } from "./does_not_exist.ts";',
        "console.log(nothing); // an unused import would be dropped when transpiling",
        F,
      ]);
      assert.ok(
        result.error?.startsWith("docs/06_resolve.md:4: Cannot load the chapter: "),
        result.error,
      );
      assert.ok(result.error?.includes("does_not_exist.ts"), result.error);
    });

    await t.step("a fence that is never closed fails the chapter at its opening", async () => {
      const result = await run(dir, "07_open.md", ["# Open", "", F + "ts", "const a = 1;"]);
      assert.equal(
        result.error,
        "docs/07_open.md:3: Fence opened at line 3 is never closed: close it with ```",
      );
      assert.deepEqual(result.fences, []);
    });

    await t.step("fences run in order only", async () => {
      const path = await writeFixture(dir, "08_order.md", ["# O", F + "ts", "1;", F, F + "ts", F]);
      const chapter = await loadChapter(path, { root: dir });
      await assert.rejects(chapter.runFence(1), RangeError);
    });
  });
});

Deno.test("chapter runner: parsing and compiling", async (t) => {
  await t.step("fences: lines, info strings, comments, longer and tilde fences", () => {
    const fences = parseFences([
      "# T", //                      1
      "<!--", //                     2
      F + "ts", //                   3
      "hidden();", //                4
      F, //                          5
      "-->", //                      6
      "````md", //                   7
      F + "ts", //                   8
      F, //                          9
      "````", //                    10
      "~~~ts", //                   11
      "tilde();", //                12
      "~~~", //                     13
      "  " + F + "typescript extra", // 14
      "  indented();", //           15
      "  " + F, //                  16
    ].join("\n"));
    assert.deepEqual(
      fences.map((f) => [f.lang, f.info, f.openLine, f.closeLine, f.lines]),
      [
        ["md", "md", 7, 10, [F + "ts", F]],
        ["ts", "ts", 11, 13, ["tilde();"]],
        ["typescript", "typescript extra", 14, 16, ["indented();"]],
      ],
    );
    assert.deepEqual(fences[2].source, ["  indented();"]);
  });

  await t.step("chapter fences: runnable ones and their output fences", () => {
    const fences = parseChapter([
      F + "ts",
      "a();",
      F,
      "",
      "",
      F + "output",
      "A",
      F, //      1-8
      F + "ignore ts",
      F,
      F + "output",
      F, //                     9-12
      F + "typescript",
      "b();",
      F,
      "text",
      F + "output",
      F, //   13-18
    ].join("\n"));
    assert.deepEqual(fences.map((f) => [f.index, f.openLine, f.output?.openLine]), [
      [0, 1, 6],
      [1, 13, undefined],
    ]);
  });

  await t.step("compiled code keeps every Markdown line and column", () => {
    const markdown = [
      "# C",
      F + "ts",
      "  const indented = 1; // columns stay",
      'import { x } from "./x.ts";',
      F,
      "prose",
      F + "ts",
      "indented;",
      F,
    ].join("\n");
    const compiled = compileChapter(markdown, { file: "/book/docs/01_c.md", name: "docs/01_c.md" });
    const lines = compiled.code.split("\n");
    assert.match(lines[0], /^\/\* Generated from docs\/01_c\.md by docs\/runner: do not edit\./);
    assert.equal(lines[2], "  const indented = 1; // columns stay");
    assert.equal(lines[3], "");
    assert.equal(lines[4], "yield 0;");
    assert.equal(lines[7], "indented;");
    assert.equal(lines[8], "yield 1;");
    const importLine = lines.indexOf('import { x } from "file:///book/docs/x.ts";');
    assert.ok(importLine > 9, compiled.code);
    assert.equal(compiled.lineTable[importLine], 4);
    assert.deepEqual(compiled.lineTable.slice(0, 9), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  await t.step("masks", () => {
    assert.equal(lineMatches("[..]", ""), true);
    assert.equal(lineMatches("a[..]b[..]c", "a-b-b-c"), true);
    assert.equal(lineMatches("a[..]a", "a"), false);
    assert.equal(lineMatches("x [..] y", "x  y"), true);
    assert.equal(outputMatch([], []), -1);
    assert.equal(outputMatch([], [""]), 0);
  });
});

Deno.test("chapter runner: generate.ts rewrites .gen/chapters/ from scratch", async () => {
  await inTempDir(async (dir) => {
    await writeFixture(dir, "01_a.md", ["# A", F + "ts", "const a = 1;", F]);
    await writeFixture(dir, "README.md", ["# Not a chapter"]);
    await Deno.mkdir(join(dir, ".gen", "chapters"), { recursive: true });
    await Deno.writeTextFile(join(dir, ".gen", "chapters", "00_deleted.ts"), "stale");
    const modules = await generateChapters({ root: dir });
    assert.deepEqual(modules, [join(dir, ".gen", "chapters", "01_a.ts")]);
    const names = [];
    for await (const entry of Deno.readDir(join(dir, ".gen", "chapters"))) names.push(entry.name);
    assert.deepEqual(names, ["01_a.ts"]);
  });
});

Deno.test("chapter runner: a broken chapter fails alone under deno test", async () => {
  await inTempDir(async (dir) => {
    const runner = new URL("../docs/runner/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(join(dir, "deno.json"), '{ "lock": false }\n');
    await Deno.writeTextFile(
      join(dir, "01_broken.md"),
      ["# Broken", F + "ts", "const = 1;", F].join("\n"),
    );
    await Deno.writeTextFile(
      join(dir, "02_good.md"),
      [
        "# Good",
        F + "ts",
        "const n = 6 * 7;",
        F,
        F + "ts",
        "console.log(n);",
        F,
        F + "output",
        "42",
        F,
      ]
        .join("\n"),
    );
    await Deno.writeTextFile(
      join(dir, "chapters_test.ts"),
      `import { runChapter } from ${JSON.stringify(runner)};\n` +
        'for (const name of ["01_broken.md", "02_good.md"]) {\n' +
        "  Deno.test(name, async (t) => {\n" +
        "    await runChapter(new URL(name, import.meta.url), t);\n" +
        "  });\n" +
        "}\n",
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-check", "--allow-read", "--allow-write", "chapters_test.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 1, output);
    assert.match(output, /^01_broken\.md \.\.\. FAILED/m);
    assert.match(
      output,
      /^error: ChapterError: 01_broken\.md:3: Cannot load the chapter: SyntaxError/m,
    );
    assert.match(output, /^02_good\.md \.\.\. ok/m);
    assert.match(output, /^ {2}line 2: const n = 6 \* 7; \.\.\. ok/m);
    assert.match(output, /^ {2}line 5: console\.log\(n\); \.\.\. ok/m);
    assert.match(output, /FAILED \| 1 passed \(2 steps\) \| 1 failed/);
  });
});

Deno.test("chapter runner: a fence inside <details> runs and its output is checked", async () => {
  // The exercises keep their answers folded in <details>; the runner reads lines, not HTML, so a
  // fence there is as much a part of the chapter's program as any other.
  await inTempDir(async (dir) => {
    const answer = (printed: string) => [
      "# Exercises",
      F + "ts",
      "const pages = 512;",
      F,
      "<details>",
      "<summary>Answer</summary>",
      "",
      F + "ts",
      "console.log(pages * 4096);",
      F,
      "",
      F + "output",
      printed,
      F,
      "",
      "</details>",
    ];
    const good = await run(dir, "01_good.md", answer("2097152"));
    assert.deepEqual(statuses(good), ["ok", "ok"]);
    const bad = await run(dir, "02_bad.md", answer("2097153"));
    assert.match(failureOf(bad), /^docs\/02_bad\.md:13: Output of the fence at line 8/);
  });
});
