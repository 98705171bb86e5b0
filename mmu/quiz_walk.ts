/**
 * Quiz generators for the hardware chapters: a page walk (`walk`) and `lookup_address`
 * (`lookup`), each over a small random tree of the kernel's direct map.
 *
 * @module
 */

import { entryFlags, entryFrame, formatEntry, makeEntry } from "./entry.ts";
import { lookup_address } from "./lookup_address.ts";
import { PAGE_OFFSET, PAGE_SIZE, PMD_SIZE, PUD_SIZE } from "./page_64_types.ts";
import { PageTableMemory } from "./page_table_memory.ts";
import {
  _KERNPG_TABLE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  PG_LEVEL_NAMES,
} from "./pgtable_types.ts";
import { hex, type QuizProblem } from "./quiz_problem.ts";
import type { SeededRandom } from "./seeded_random.ts";
import { formatVirt, pgd_index } from "./virtual_address.ts";
import { walk } from "./walk.ts";

/** One page a quiz tree maps: the table-free view of the tree. */
export interface QuizLeaf {
  /** The 48-bit virtual address of the page. */
  readonly va: number;
  /** 4 KiB, 2 MiB or 1 GiB. */
  readonly size: number;
  /** The first frame. */
  readonly frame: number;
  /** The leaf entry's flags. */
  readonly flags: number;
}

/** A quiz problem about a tree, with the leaves it was built from (for reference checks). */
export interface TreeQuizProblem extends QuizProblem {
  /** The pages the tree maps, for a table-free check of the answer. Not part of the question. */
  readonly leaves: readonly QuizLeaf[];
  /** The virtual address asked about. */
  readonly address: number;
  /** The access asked about (`lookup` asks no access: `read`). */
  readonly access: "read" | "write";
}

/** A random tree: its memory, its pgd frame, the leaves, and the slots left empty on purpose. */
interface QuizTree {
  mem: PageTableMemory;
  pgd: number;
  leaves: QuizLeaf[];
  /** A pud slot (1 GiB of the direct map) with no entry. */
  emptyPud: number;
  /** The pud slot whose pmd table has the 4 KiB pages. */
  pudA: number;
  /** A pmd slot of that table with no entry. */
  emptyPmd: number;
  /** The pmd slot whose pte table has the 4 KiB pages. */
  pmdA: number;
  /** A pte slot of that table with no entry. */
  emptyPte: number;
}

const FRAMES = 1 << 20;

/** Leaf flags a kernel uses: present, accessed, dirty, maybe RW, NX, global. */
function leafFlags(rng: SeededRandom, large: boolean): number {
  let flags = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY;
  if (rng.chance(0.6)) flags |= _PAGE_RW;
  if (rng.chance(0.5)) flags |= _PAGE_NX;
  if (rng.chance(0.3)) flags |= _PAGE_GLOBAL;
  if (large) flags |= _PAGE_PSE;
  return flags >>> 0;
}

/**
 * Build the tree: the direct map's first 4 GiB (pgd slot 272, pud slots 0..3), with one pud slot
 * empty, at most one 1 GiB page, one pmd table holding a 2 MiB page and one pte table with a few
 * 4 KiB pages. Table frames are consecutive from a random start, as an allocator hands them out.
 */
function quizTree(rng: SeededRandom): QuizTree {
  const mem = new PageTableMemory(FRAMES);
  let next = 0x1000 + rng.int(0x800);
  const pgd = next++;
  const pud = next++;
  mem.table(pgd);
  mem.table(pud);
  mem.write(pgd, pgd_index(PAGE_OFFSET), makeEntry(pud, _KERNPG_TABLE));
  const slots = [0, 1, 2, 3];
  const take = (list: number[]) => list.splice(rng.int(list.length), 1)[0];
  const pudA = take(slots);
  const emptyPud = take(slots);
  const leaves: QuizLeaf[] = [];
  if (rng.chance(0.6)) {
    const g = take(slots);
    const frame = rng.int(FRAMES / 0x40000) * 0x40000;
    const flags = leafFlags(rng, true);
    mem.write(pud, g, makeEntry(frame, flags));
    leaves.push({ va: PAGE_OFFSET + g * PUD_SIZE, size: PUD_SIZE, frame, flags });
  }
  const pmd = next++;
  mem.table(pmd);
  mem.write(pud, pudA, makeEntry(pmd, _KERNPG_TABLE));
  const pmdSlots = Array.from({ length: 8 }, () => rng.int(512)).filter((v, i, a) =>
    a.indexOf(v) === i
  );
  const pmdA = pmdSlots[0];
  const big = pmdSlots[1] ?? (pmdA + 1) % 512;
  const emptyPmd = pmdSlots.find((s) => s !== pmdA && s !== big) ?? (pmdA + 2) % 512;
  const bigFrame = rng.int(FRAMES / 512) * 512;
  const bigFlags = leafFlags(rng, true);
  mem.write(pmd, big, makeEntry(bigFrame, bigFlags));
  const base = PAGE_OFFSET + pudA * PUD_SIZE;
  leaves.push({ va: base + big * PMD_SIZE, size: PMD_SIZE, frame: bigFrame, flags: bigFlags });
  const pte = next++;
  mem.table(pte);
  mem.write(pmd, pmdA, makeEntry(pte, _KERNPG_TABLE));
  const used = new Set<number>();
  const wanted = 2 + rng.int(3);
  while (used.size < wanted) used.add(rng.int(512));
  for (const i of [...used].sort((a, b) => a - b)) {
    const frame = rng.int(FRAMES);
    const flags = leafFlags(rng, false);
    mem.write(pte, i, makeEntry(frame, flags));
    leaves.push({ va: base + pmdA * PMD_SIZE + i * PAGE_SIZE, size: PAGE_SIZE, frame, flags });
  }
  let emptyPte = rng.int(512);
  while (used.has(emptyPte)) emptyPte = (emptyPte + 1) % 512;
  return { mem, pgd, leaves, emptyPud, pudA, emptyPmd, pmdA, emptyPte };
}

/** Pick an address: on a page of the tree, or in one of the holes left on purpose. */
function quizAddress(rng: SeededRandom, t: QuizTree): number {
  const offset = rng.int(PAGE_SIZE);
  const base = PAGE_OFFSET + t.pudA * PUD_SIZE;
  switch (rng.int(6)) {
    case 0:
      return PAGE_OFFSET + t.emptyPud * PUD_SIZE + rng.int(PUD_SIZE / PAGE_SIZE) * PAGE_SIZE +
        offset;
    case 1:
      return base + t.emptyPmd * PMD_SIZE + rng.int(512) * PAGE_SIZE + offset;
    case 2:
      return base + t.pmdA * PMD_SIZE + t.emptyPte * PAGE_SIZE + offset;
    default: {
      const leaf = rng.pick(t.leaves);
      return leaf.va + rng.int(leaf.size / PAGE_SIZE) * PAGE_SIZE + offset;
    }
  }
}

/** The tree as a student reads it: every table, its non-empty entries. */
function dumpTree(t: QuizTree): string[] {
  const lines: string[] = [];
  const names = ["pgd", "pud", "pmd", "pte"];
  const visit = (frame: number, level: number) => {
    const entries: string[] = [];
    const children: number[] = [];
    for (let i = 0; i < 512; i++) {
      const e = t.mem.read(frame, i);
      if (e.lo === 0 && e.hi === 0) continue;
      entries.push(`  [${String(i).padStart(3)}] ${formatEntry(e)}`);
      const flags = entryFlags(e.lo, e.hi);
      if (level < 3 && (flags & _PAGE_PSE) === 0) children.push(entryFrame(e.lo, e.hi));
    }
    lines.push(`frame ${hex(frame)} (${names[level]}):`, ...entries);
    for (const c of children) visit(c, level + 1);
  };
  visit(t.pgd, 0);
  return lines;
}

/**
 * A walk problem: a small tree, an address and an access; the answer is the physical address or
 * the fault, with the level that decided it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom, walkQuiz } from "@xenmmu/book";
 * const p = walkQuiz(new SeededRandom(1));
 * assert.equal(p.kind, "walk");
 * assert.deepEqual(walkQuiz(new SeededRandom(1)).answer, p.answer);
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function walkQuiz(rng: SeededRandom): TreeQuizProblem {
  const t = quizTree(rng);
  const address = quizAddress(rng, t);
  const access = rng.chance(0.5) ? "write" : "read";
  const r = walk(t.mem, t.pgd * PAGE_SIZE, address, { access });
  const path = r.steps.map((s) => `${s.level}[${s.index}]`).join(" -> ");
  const answer = r.fault === null
    ? [`pa ${hex(r.pa!)} (a ${r.pageSize! / 1024} KiB page), via ${path}`]
    : [`fault: ${r.fault.reason} at the ${r.fault.level} level, via ${path}`, r.fault.detail];
  return {
    kind: "walk",
    question: [
      `CR3 holds ${hex(t.pgd * PAGE_SIZE)}. The tables, non-empty entries only:`,
      ...dumpTree(t),
      `A kernel-mode ${access} to ${formatVirt(address)}: which physical address does it reach, ` +
      `or which fault stops it, at which level?`,
    ],
    answer,
    problem: { cr3: t.pgd * PAGE_SIZE, tables: dumpTree(t), address: formatVirt(address), access },
    solution: {
      pa: r.fault === null ? r.pa : null,
      page_size: r.fault === null ? r.pageSize : null,
      fault: r.fault === null ? null : { reason: r.fault.reason, level: r.fault.level },
      path: r.steps.map((s) => ({ level: s.level, index: s.index })),
    },
    leaves: t.leaves,
    address,
    access,
  };
}

/**
 * A `lookup_address` problem: a small tree (taken as `init_mm`) and an address; the answer is the
 * entry pointer the kernel gets back (or NULL) and the level it stores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupQuiz, SeededRandom } from "@xenmmu/book";
 * const p = lookupQuiz(new SeededRandom(2));
 * assert.match(String(p.solution.level), /^PG_LEVEL_/);
 * ```
 *
 * @param rng The generator (its state advances).
 * @returns The problem.
 */
export function lookupQuiz(rng: SeededRandom): TreeQuizProblem {
  const t = quizTree(rng);
  const address = quizAddress(rng, t);
  const r = lookup_address({ mem: t.mem, pgd: t.pgd }, address);
  const level = PG_LEVEL_NAMES[r.level];
  let answer: string;
  let entry: string | null = null;
  if (r.pte === null) answer = `NULL, *level = ${level}`;
  else {
    const e = t.mem.read(r.pte.table, r.pte.index);
    entry = formatEntry(e);
    answer = `the entry at frame ${hex(r.pte.table)} index ${r.pte.index} (${
      e.lo === 0 && e.hi === 0 ? "empty" : entry
    }), *level = ${level}`;
  }
  return {
    kind: "lookup",
    question: [
      `init_mm's pgd is frame ${hex(t.pgd)}. The tables, non-empty entries only:`,
      ...dumpTree(t),
      `What does lookup_address(${formatVirt(address)}, &level) return, and what is level?`,
    ],
    answer: [answer],
    problem: { pgd: t.pgd, tables: dumpTree(t), address: formatVirt(address) },
    solution: {
      pte: r.pte === null ? null : { table: r.pte.table, index: r.pte.index, entry },
      level,
    },
    leaves: t.leaves,
    address,
    access: "read",
  };
}
