/**
 * `deno task quiz`: seeded problems with answers computed by the model, in the manner of OSTEP's
 * homework simulators (`-s SEED` makes a problem, `-c` prints its answer).
 *
 * ```sh
 * deno task quiz --kind walk --seed 7 [--count 3] [--answers] [--json]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { makeQuiz, QUIZ_KINDS } from "../boot/quiz.ts";

const USAGE = `Usage: deno task quiz --kind KIND --seed N [--count C] [--answers] [--json]

  --kind KIND   walk       a small tree and an address: the physical address, or the fault
                lookup     what lookup_address returns, and at which level
                type_info  decode a type_info word Xen printed; may the frame be mapped RW?
                xen        one request against a fresh domain: accepted, or refused with what
                window     a release and a size: pgt_buf start/end/top after each call
                outcome    a profile and a size: ok, or which failure and why
  --seed N      a whole number; the same seed gives the same problems on every machine
  --count C     how many problems (default 1); the first C of a longer run
  --answers     print the answers too (the model computes them)
  --json        one JSON document: {kind, seed, problems: [{question, problem, ...}]}, with
                answer and solution only under --answers (give students the run without)
  --help        this text

Exit codes: 0 problems printed; 2 a bad command line.`;

/**
 * Run the `quiz` command.
 *
 * @param args The arguments after `quiz`.
 * @param out Where the result goes (standard output by default).
 * @returns The exit code: 0, or 2 for a bad command line.
 */
export function quizMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
): number {
  let v;
  try {
    v = parseArgs({
      args: [...args],
      options: {
        kind: { type: "string" },
        seed: { type: "string" },
        count: { type: "string", default: "1" },
        answers: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
    if (v.help) {
      out(USAGE);
      return 0;
    }
    if (v.kind === undefined) {
      throw new RangeError(`--kind is required (${Object.keys(QUIZ_KINDS).join(", ")})`);
    }
    if (v.seed === undefined) throw new RangeError("--seed is required (a whole number)");
    if (!/^\d+$/.test(v.seed)) throw new RangeError(`--seed "${v.seed}" is not a whole number`);
    if (!/^\d+$/.test(v.count)) throw new RangeError(`--count "${v.count}" is not a whole number`);
    const problems = makeQuiz(v.kind, Number(v.seed), Number(v.count));
    if (v.json) {
      const doc = {
        kind: v.kind,
        seed: Number(v.seed),
        problems: problems.map((p, i) => ({
          index: i + 1,
          question: p.question,
          problem: p.problem,
          ...(v!.answers ? { answer: p.answer, solution: p.solution } : {}),
        })),
      };
      out(JSON.stringify(doc, null, 2));
      return 0;
    }
    problems.forEach((p, i) => {
      out(`--- ${v!.kind} problem ${i + 1} (seed ${v!.seed})`);
      p.question.forEach((line) => out(line));
      if (v!.answers) {
        out("Answer:");
        p.answer.forEach((line) => out("  " + line));
      }
    });
    if (!v.answers) out(`(run again with --answers to see the answers)`);
    return 0;
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code?.startsWith("ERR_PARSE")) {
      console.error(`quiz: ${(error as Error).message}`);
      console.error("Run `deno task quiz --help` for the options.");
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(quizMain(Deno.args));
