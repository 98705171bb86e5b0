/**
 * Quiz generators for the boot chapters: where the page-table window lies after each
 * `init_memory_mapping` call (`window`), and how a profile fares at a size (`outcome`). The
 * answers are whole boots of the model.
 *
 * @module
 */

import { hex, type QuizProblem } from "../mmu/quiz_problem.ts";
import type { SeededRandom } from "../mmu/seeded_random.ts";
import { boot } from "./boot.ts";
import { BootMachine } from "./boot.ts";
import { FAILURE_MECHANISMS, failureMechanism, OUTCOME_PROFILES } from "./outcome_table.ts";
import { PROFILES } from "./profiles.ts";

const GiB = 2 ** 30;

/** A size as people write it: `1.5GiB`, `768MiB`. */
function sizeName(bytes: number): string {
  return bytes >= GiB && (bytes * 2) % GiB === 0 ? `${bytes / GiB}GiB` : `${bytes / 2 ** 20}MiB`;
}

/**
 * A window problem: a release and a memory size; where is `pgt_buf` (start, end, top in pfns)
 * after each `init_memory_mapping` call? The question gives each call's range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom, windowQuiz } from "@xenmmu/book";
 * const p = windowQuiz(new SeededRandom(5));
 * assert.ok(Array.isArray(p.solution.pgt_buf));
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function windowQuiz(rng: SeededRandom): QuizProblem {
  const kernel = rng.pick(["2.6.38", "2.6.39"]);
  // 512 MiB to 8 GiB in steps of 256 MiB: below and above the 4 GiB hole, so one call or two
  const memory = (2 + rng.int(31)) * 2 ** 28;
  const calls: string[] = [];
  const m = new BootMachine({ kernel, memory });
  const r = m.finish((e) => {
    if (e.kind === "init_memory_mapping") calls.push(`[${hex(e.start)}, ${hex(e.end)})`);
  });
  return {
    kind: "window",
    question: [
      `Linux ${kernel} boots as a Xen PV domU of ${sizeName(memory)}. It calls ` +
      `init_memory_mapping ${calls.length === 1 ? "once" : `${calls.length} times`}: ` +
      `${calls.join(", then ")}.`,
      "After each call, where is the page-table window: pgt_buf_start, pgt_buf_end and " +
      "pgt_buf_top, in pfns?",
    ],
    answer: r.pgt_buf.map((w, i) =>
      `call ${i + 1}: start ${hex(w.start)} end ${hex(w.end)} top ${hex(w.top)} ` +
      `(${w.end - w.start} of ${w.top - w.start} pages used)`
    ),
    problem: { kernel, memory, hypervisor: "xen", calls },
    solution: { pgt_buf: r.pgt_buf.map((w) => ({ ...w })), outcome: r.outcome },
  };
}

/**
 * An outcome problem: a profile and a size, under Xen or on bare metal; does it boot, and if not,
 * which failure and by which mechanism (the outcome table's letters)?
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outcomeQuiz, SeededRandom } from "@xenmmu/book";
 * const p = outcomeQuiz(new SeededRandom(6));
 * assert.match(String(p.solution.outcome), /^(ok|bug|oops|panic)$/);
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function outcomeQuiz(rng: SeededRandom): QuizProblem {
  const kernel = rng.pick(OUTCOME_PROFILES);
  const memory = rng.pick([0.25, 0.5, 1, 1.5, 2, 3, 4, 4.5, 5, 6, 8]) * GiB;
  const hypervisor = rng.chance(0.85) ? "xen" : "native";
  const r = boot({ kernel, memory, hypervisor });
  const letter = failureMechanism(r);
  return {
    kind: "outcome",
    question: [
      `Profile ${kernel} (${PROFILES[kernel].summary}) boots ${
        hypervisor === "xen" ? "as a Xen PV domU" : "on bare metal"
      } with ${sizeName(memory)}.`,
      "Does it boot? If not: a BUG(), an oops or a panic, and by which mechanism " +
      `(${Object.keys(FAILURE_MECHANISMS).filter((k) => k !== "ok").join(", ")} as in the ` +
      "outcome table)?",
    ],
    answer: [
      r.outcome === "ok"
        ? "ok: it boots"
        : `${r.outcome}, mechanism ${letter}: ${FAILURE_MECHANISMS[letter] ?? "not in the legend"}`,
      ...r.notes,
    ],
    problem: { kernel, memory, hypervisor },
    solution: { outcome: r.outcome, mechanism: letter, notes: r.notes },
  };
}
