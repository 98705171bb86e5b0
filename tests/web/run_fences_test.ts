import assert from "node:assert/strict";
import { PAGE_MODULES } from "../../web/page_modules.ts";
import { runFences } from "../../web/run_fences.ts";
import { formatArg } from "../../web/inspect.ts";

Deno.test("the page's runner: shared scope, a throw skips the rest, a mismatch is named", async () => {
  const results = await runFences([
    { code: 'import assert from "node:assert/strict";\nlet n: number = 1;', openLine: 1 },
    { code: "n += 1;\nconsole.log(n);", expected: ["3"], openLine: 5 },
    { code: "assert.equal(n, 3);", openLine: 9 },
    { code: "console.log('never');", openLine: 13 },
  ], PAGE_MODULES);
  assert.deepEqual(results.map((r) => [r.status, r.matches]), [
    ["ok", undefined],
    ["ok", false],
    ["failed", undefined],
    ["skipped", undefined],
  ]);
  assert.equal(results[1].message, 'line 1 differs: expected "3", printed "2"');
  assert.match(results[2].message ?? "", /^AssertionError: Expected values to be strictly equal/);
});

Deno.test("an import the page does not have is a failure that names it", async () => {
  const [first] = await runFences(
    [{ code: 'import x from "node:fs";\nx;', openLine: 1 }],
    PAGE_MODULES,
  );
  assert.equal(first.status, "failed");
  assert.match(first.message ?? "", /cannot load "node:fs"/);
});

Deno.test("formatArg prints values as Deno.inspect does", () => {
  const values: unknown[] = [
    42,
    -0,
    1n,
    true,
    null,
    undefined,
    [1, 2, 3],
    { a: 1, b: "x" },
    [],
    {},
    new Map([["a", 1]]),
    new Set([1]),
    new Uint8Array([1, 2]),
    { nested: { deep: [1, { x: "y" }] } },
    Array.from({ length: 6 }, (_, i) => ({ i, name: `entry ${i}` })),
    Array.from({ length: 30 }, (_, i) => i * 37),
    Array.from({ length: 12 }, (_, i) => `pfn ${i}`),
    Array.from({ length: 150 }, (_, i) => i),
    Array.from({ length: 8 }, (_, i) => ({ i })),
    [1, "two", 3, 4, 5, 6, 7, 8],
    new Uint16Array(20),
    { a: { b: { c: {} } } },
    { a: { b: { c: { d: 1 } } } },
    new Map([["k", { v: [1, 2] }]]),
  ];
  for (const value of values) {
    assert.equal(formatArg(value), Deno.inspect(value, { colors: false, depth: 4 }), String(value));
  }
});

Deno.test("the browser's assert behaves as node:assert/strict on the forms the chapters use", async () => {
  const { strictAssert: browser } = await import("../../web/assert.ts");
  const cases: [string, (a: typeof assert) => unknown][] = [
    ["equal ok", (a) => a.equal(1, 1)],
    ["equal NaN", (a) => a.equal(NaN, NaN)],
    ["equal differs", (a) => a.equal(1, "1")],
    ["deepEqual arrays", (a) => a.deepEqual([1, { b: 2 }], [1, { b: 2 }])],
    ["deepEqual prototypes differ", (a) => a.deepEqual([1], { 0: 1 })],
    ["deepEqual typed", (a) => a.deepEqual(new Uint8Array([1]), new Uint8Array([1]))],
    ["notEqual", (a) => a.notEqual(1, 2)],
    ["ok falsy", (a) => a.ok(0)],
    ["match", (a) => a.match("pfn 0x10", /0x1\d/)],
    ["throws class", (a) =>
      a.throws(() => {
        throw new RangeError("x");
      }, RangeError)],
    ["throws wrong class", (a) =>
      a.throws(() => {
        throw new Error("x");
      }, RangeError)],
    ["throws pattern on String(error)", (a) =>
      a.throws(() => {
        throw new RangeError("bad");
      }, /^RangeError: bad$/)],
    ["throws pattern anchored on the message only", (a) =>
      a.throws(() => {
        throw new RangeError("bad");
      }, /^bad/)],
    ["throws nothing", (a) => a.throws(() => {})],
  ];
  for (const [name, run] of cases) {
    let node = "ok";
    let page = "ok";
    try {
      run(assert);
    } catch (error) {
      node = (error as Error).name;
    }
    try {
      run(browser as unknown as typeof assert);
    } catch (error) {
      page = (error as Error).name;
    }
    assert.equal(page, node, name);
  }
});
