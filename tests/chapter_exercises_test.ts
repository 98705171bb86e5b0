// Every chapter of the story (1-11) ends with its exercises, then its fidelity note: at least
// three answers folded in <details>, each holding a fence that the chapter runner runs and an
// output fence it checks.

import assert from "node:assert/strict";
import { parseChapter } from "../docs/runner/mod.ts";

const docs = new URL("../docs/", import.meta.url);
const chapters = [...Deno.readDirSync(docs)]
  .map((e) => e.name)
  .filter((name) => /^(0[1-9]|1[01])_.*\.md$/.test(name))
  .sort();

Deno.test("chapters 1-11 end with checked exercises", async (t) => {
  assert.equal(chapters.length, 11);
  for (const name of chapters) {
    await t.step(name, () => {
      const text = Deno.readTextFileSync(new URL(name, docs));
      const lines = text.split("\n");
      const headings = lines.filter((l) => /^## /.test(l));
      // the fidelity note closes the chapter; the exercises come right before it
      const last = headings.at(-1) === "## Fidelity" ? headings.at(-2) : headings.at(-1);
      assert.equal(last, "## Exercises", "the exercises end the chapter, before its fidelity note");
      const start = lines.indexOf("## Exercises") + 1; // Markdown lines count from 1
      const end = lines.indexOf("## Fidelity") === -1 ? lines.length : lines.indexOf("## Fidelity");
      const answers: Array<[number, number]> = [];
      lines.forEach((l, i) => {
        if (l === "<details>") answers.push([i + 1, -1]);
        if (l === "</details>" && answers.length > 0) answers[answers.length - 1][1] = i + 1;
      });
      const inExercises = answers.filter(([open]) => open > start && open < end);
      assert.ok(inExercises.length >= 3, `${inExercises.length} answers`);
      const fences = parseChapter(text);
      for (const [open, close] of inExercises) {
        const checked = fences.filter((f) =>
          f.openLine > open && f.openLine < close && f.output !== undefined
        );
        assert.ok(checked.length >= 1, `the answer at line ${open} has a checked fence`);
      }
    });
  }
});
