// A second, independent test of the runner's output comparison: a whole chapter whose output
// fence differs from what it printed only by trailing spaces, or in one middle line, must fail at
// that line.
import assert from "node:assert/strict";
import { join } from "node:path";
import { executeChapter } from "../docs/runner/mod.ts";
import { lineMatches, outputMatch } from "../docs/runner/output_match.ts";

const F = "```";

async function runChapter(lines: string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "runner_output_test_" });
  try {
    await Deno.mkdir(join(dir, "docs"));
    const path = join(dir, "docs", "01_x.md");
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const result = await executeChapter(path, { root: dir });
    return result.fences.map((f) => f.status === "failed" ? f.message ?? "failed" : f.status);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("output fences: trailing spaces count, and lines are compared one by one", async (t) => {
  await t.step("the functions", () => {
    assert.equal(lineMatches("x", "x "), false);
    assert.equal(lineMatches("x ", "x"), false);
    assert.equal(lineMatches("x[..]", "x "), true); // only a mask may absorb them
    assert.equal(outputMatch(["a", "b", "c"], ["a", "b ", "c"]), 1);
    assert.equal(outputMatch(["a", "b", "c"], ["a", "c", "b"]), 1);
    assert.equal(outputMatch(["a[..]", "b"], ["a b", "b"]), -1);
  });
  await t.step(
    "a chapter printing 'x ' against an output fence of 'x' fails at that line",
    async () => {
      const [status] = await runChapter([
        "# T", // 1
        F + "ts", // 2
        'console.log("one\\nx \\nthree");', // 3
        F, // 4
        F + "output", // 5
        "one", // 6
        "x", // 7
        "three", // 8
        F, // 9
      ]);
      assert.match(status, /01_x\.md:7: Output of the fence at line 2 does not match/);
      assert.match(status, /expected: "x"\nactual: {3}"x "/);
    },
  );
  await t.step("the same chapter with the space in the fence passes", async () => {
    const statuses = await runChapter([
      "# T",
      F + "ts",
      'console.log("one\\nx \\nthree");',
      F,
      F + "output",
      "one",
      "x ",
      "three",
      F,
    ]);
    assert.deepEqual(statuses, ["ok"]);
  });
});
