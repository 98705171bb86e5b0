import assert from "node:assert/strict";
import {
  lookupQuiz,
  makeQuiz,
  PAGE_OFFSET,
  PAGE_SIZE,
  QUIZ_KINDS,
  SeededRandom,
  walkQuiz,
} from "../../mod.ts";
import { quizMain } from "../../cli/quiz.ts";
import { runMain } from "./_run_main.ts";

const run = (args: string[]) => runMain(quizMain, args);

Deno.test("the generator gives the same numbers on every machine", () => {
  // Mulberry32 from seed 1, as an independent Python version of it computes: the values are fixed
  // by 32-bit integer arithmetic, not by the engine
  const rng = new SeededRandom(1);
  assert.deepEqual([rng.next(), rng.next(), rng.next()], [2693262067, 11749833, 2265367787]);
});

Deno.test("a seed gives one problem; a longer count begins with it", () => {
  for (const kind of Object.keys(QUIZ_KINDS)) {
    const [a] = makeQuiz(kind, 11, 1);
    const [b, c] = makeQuiz(kind, 11, 2);
    assert.deepEqual(a, b, kind);
    assert.notDeepEqual(b.question, c.question, kind);
  }
  // one problem pinned down, so a change of generator shows as a failure, not as silent drift
  assert.deepEqual(makeQuiz("walk", 1, 1)[0].answer, [
    "pa 0xa87b2744 (a 4 KiB page), via pgd[272] -> pud[0] -> pmd[495] -> pte[392]",
  ]);
});

Deno.test("different seeds give different problems and every kind of answer", async (t) => {
  const seeds = (n: number) => Array.from({ length: n }, (_, i) => i * 7919 + 3);
  const cases: Array<[string, number, number, RegExp[]]> = [
    // kind, seeds, distinct questions at least, answers that must all appear
    ["walk", 40, 40, [/^pa /, /not-present at the pud/, /not-present at the pmd/, /protection/]],
    ["lookup", 40, 40, [/PG_LEVEL_NONE/, /NULL, \*level = PG_LEVEL_1G/, /PG_LEVEL_2M/, /empty/]],
    ["type_info", 40, 10, [/PGT_none/, /PGT_writable_page/, /PGT_l1/, /pinned/, /refused/]],
    ["xen", 30, 20, [/accepted/, /refused/, /Bad type/, /already pinned/]],
    ["window", 10, 8, [/call 2/]],
    ["outcome", 12, 10, [/^ok/, /bug|oops/]],
  ];
  for (const [kind, n, distinct, expected] of cases) {
    await t.step(kind, () => {
      const problems = seeds(n).map((s) => makeQuiz(kind, s, 1)[0]);
      const questions = new Set(problems.map((p) => p.question.join("\n")));
      assert.ok(questions.size >= distinct, `${kind}: ${questions.size} distinct of ${n}`);
      const answers = problems.map((p) => p.answer.join("\n")).join("\n");
      for (const re of expected) assert.match(answers, new RegExp(re.source, "m"), kind);
    });
  }
});

Deno.test("walk answers agree with a table-free model of the same pages", () => {
  const rng = new SeededRandom(2024);
  for (let n = 0; n < 300; n++) {
    const p = walkQuiz(rng);
    const leaf = p.leaves.find((l) => p.address >= l.va && p.address < l.va + l.size);
    const s = p.solution as { pa: number | null; fault: { reason: string } | null };
    if (leaf === undefined) {
      assert.equal(s.fault?.reason, "not-present");
      continue;
    }
    if (p.access === "write" && (leaf.flags & 2) === 0) {
      assert.equal(s.fault?.reason, "protection");
      continue;
    }
    assert.equal(s.fault, null);
    assert.equal(s.pa, leaf.frame * PAGE_SIZE + (p.address - leaf.va));
  }
});

Deno.test("lookup answers agree with the kernel's rules applied to the pages alone", () => {
  // The tree holds one pmd page (for the GiB of the 2 MiB and 4 KiB pages) and one pte page (for
  // the chunk of the 4 KiB pages); the rest of the structure follows from the leaves.
  const GiB = 2 ** 30, MiB2 = 2 ** 21;
  const rng = new SeededRandom(77);
  for (let n = 0; n < 300; n++) {
    const p = lookupQuiz(rng);
    const a = p.address;
    const s = p.solution as { pte: unknown; level: string };
    const small = p.leaves.filter((l) => l.size < GiB);
    const gibOf = (va: number) => Math.floor((va - PAGE_OFFSET) / GiB);
    const chunkOf = (va: number) => Math.floor(va / MiB2);
    let expected: [boolean, string];
    if (p.leaves.some((l) => l.size === GiB && gibOf(l.va) === gibOf(a))) {
      expected = [true, "PG_LEVEL_1G"]; // the pud entry itself
    } else if (!small.some((l) => gibOf(l.va) === gibOf(a))) {
      expected = [false, "PG_LEVEL_NONE"]; // pud none
    } else if (small.some((l) => l.size === MiB2 && chunkOf(l.va) === chunkOf(a))) {
      expected = [true, "PG_LEVEL_2M"]; // the large pmd entry
    } else if (small.some((l) => l.size === PAGE_SIZE && chunkOf(l.va) === chunkOf(a))) {
      expected = [true, "PG_LEVEL_4K"]; // the pte slot, empty or not
    } else {
      expected = [false, "PG_LEVEL_1G"]; // pmd none: NULL, level left at 1G
    }
    assert.deepEqual([s.pte !== null, s.level], expected, p.question.at(-1));
  }
});

Deno.test("quiz --json is one document; answers only under --answers", () => {
  const bare = run(["--kind", "xen", "--seed", "3", "--count", "2", "--json"]);
  assert.equal(bare.code, 0);
  const doc = JSON.parse(bare.out.join("\n"));
  assert.equal(doc.problems.length, 2);
  assert.equal(doc.problems[0].answer, undefined);
  const full = JSON.parse(
    run(["--kind", "xen", "--seed", "3", "--json", "--answers"]).out.join(""),
  );
  assert.ok(full.problems[0].solution.rc === 0 || full.problems[0].solution.rc === -22);
  assert.deepEqual(full.problems[0].question, doc.problems[0].question);
});

Deno.test("quiz refuses bad command lines with exit code 2", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--seed", "1"], /--kind is required/],
    [["--kind", "tlb", "--seed", "1"], /Quiz kind "tlb" is not one of: walk, lookup/],
    [["--kind", "walk"], /--seed is required/],
    [["--kind", "walk", "--seed=-1"], /--seed "-1" is not a whole number/],
    [["--kind", "walk", "--seed", "1", "--count", "0"], /Count 0 is not a whole number from 1/],
    [["--kind", "walk", "--seed", "1", "-c"], /Unknown option '-c'/],
  ];
  for (const [args, message] of cases) {
    const { code, err } = run(args);
    assert.equal(code, 2, args.join(" "));
    assert.match(err[0], message);
  }
});

Deno.test("the seeded generator refuses an empty range or list", () => {
  const r = new SeededRandom(1);
  assert.throws(() => r.int(0), /int\(0\): the bound must be a whole number of at least 1/);
  assert.throws(() => r.pick([]), /pick\(\[\]\): there is nothing to pick from/);
});
