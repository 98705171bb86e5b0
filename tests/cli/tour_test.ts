import assert from "node:assert/strict";
import { mock } from "node:test";
import { main } from "../../cli/tour.ts";

/** Run the tour with its text and pauses captured. */
async function tour(args: string[]): Promise<{ code: number; text: string; pauses: number }> {
  const out: string[] = [];
  let pauses = 0;
  const err = mock.method(console, "error", (line: string) => out.push(`stderr: ${line}`));
  try {
    const code = await main(args, {
      out: (text) => out.push(text),
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
    });
    return { code, text: out.join("\n"), pauses };
  } finally {
    err.mock.restore();
  }
}

Deno.test("tour N reads one chapter: its prose, its live outputs, its figures", async () => {
  const { code, text, pauses } = await tour(["1"]);
  assert.equal(code, 0);
  assert.match(text, /^━━ 1\. x86-64 paging: four tables between an address and a frame ━+$/m);
  // prose, with Markdown links turned into their text
  assert.match(text, /You need: C, and the idea of virtual memory/);
  assert.doesNotMatch(text, /\]\(glossary\.md/);
  // an output the model printed just now, in place of the chapter's output block
  assert.match(text, /^ {4}8000000001234163 P RW A D G NX$/m);
  assert.match(text, /\[figure, figures\/walk_from_cr3\.svg: /);
  // exercises: the question is shown, the answer stays folded
  assert.match(text, /the answer is folded in the chapter/);
  assert.match(text, /✔ \d+ fences ran, every assertion held/);
  assert.equal(pauses, 0);
  assert.doesNotMatch(text, /━━ 2\./);
});

Deno.test("tour --step pauses after each output", async () => {
  const { code, pauses } = await tour(["2", "--step"]);
  assert.equal(code, 0);
  assert.ok(pauses >= 4, `${pauses} pauses`);
});

Deno.test("tour refuses bad arguments with exit code 2", async (t) => {
  for (
    const [args, message] of [
      [["99"], /chapter "99" is not one of the book's: 1, 2, 3/],
      [["six"], /chapter "six" is not one of the book's/],
      [["1", "2"], /one chapter at a time/],
      [["--bogus"], /Unknown option '--bogus'/],
    ] as const
  ) {
    await t.step(args.join(" "), async () => {
      const { code, text } = await tour([...args]);
      assert.equal(code, 2);
      assert.match(text, message);
    });
  }
});
