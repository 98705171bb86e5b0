// Property: for random sets of mappings, walk() and lookup_address() agree with
// an independent model that knows nothing of tables, only of pages and of
// which table slots exist.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  _PAGE_USER,
  canWrite,
  lookup_address,
  PG_LEVEL_1G,
  PG_LEVEL_2M,
  PG_LEVEL_4K,
  PG_LEVEL_NONE,
  walk,
} from "../../mmu/mod.ts";
import { treeBuilder } from "./_tree_builder.ts";

const GiB = 2 ** 30;
const MiB2 = 2 ** 21;
const KiB4 = 4096;

interface Mapping {
  kind: "4k" | "2m" | "1g";
  /** Index of the page in units of its own size, inside a small window of the address space. */
  slot: number;
  frame: number;
  flags: number;
}

// Addresses come from 4 GiB of the lower half and 4 GiB of the direct map so
// that collisions (same table, same slot) happen often.
const bases = [0, 0x880000000000];
const mapping = fc.record({
  kind: fc.constantFrom<"4k" | "2m" | "1g">("4k", "4k", "4k", "2m", "1g"),
  base: fc.constantFrom(...bases),
  slot: fc.integer({ min: 0, max: 4 * 512 * 512 - 1 }),
  frame: fc.integer({ min: 0, max: 2 ** 28 - 1 }),
  rw: fc.boolean(),
  user: fc.boolean(),
  nx: fc.boolean(),
}).map((m) => {
  const size = m.kind === "4k" ? KiB4 : m.kind === "2m" ? MiB2 : GiB;
  const slot = m.kind === "4k" ? m.slot : m.kind === "2m" ? m.slot % 2048 : m.slot % 4;
  const align = size / KiB4;
  return {
    kind: m.kind,
    va: m.base + slot * size,
    frame: m.frame - (m.frame % align),
    flags: (_PAGE_PRESENT | (m.rw ? _PAGE_RW : 0) | (m.user ? _PAGE_USER : 0) |
      (m.nx ? _PAGE_NX : 0) | (m.kind === "4k" ? 0 : _PAGE_PSE)) >>> 0,
  };
});

type Leaf = { va: number; size: number; frame: number; flags: number };

/** The independent model: a list of leaves, latest first wins; a large page replaces what it covers. */
function modelLookup(leaves: Leaf[], va: number): Leaf | undefined {
  return leaves.find((l) => va >= l.va && va < l.va + l.size);
}

Deno.test("walk() and lookup_address() agree with a table-free model of the same mappings", () => {
  fc.assert(
    fc.property(
      fc.array(mapping, { minLength: 1, maxLength: 40 }),
      fc.array(fc.tuple(fc.constantFrom(...bases), fc.integer({ min: 0, max: 4 * GiB - 1 })), {
        minLength: 1,
        maxLength: 30,
      }),
      (maps, probes) => {
        const b = treeBuilder(1 << 16);
        // Keep only mappings the builder can apply without colliding with a
        // large page or table already in that slot (the kernel never mixes them).
        const leaves: Leaf[] = [];
        const tableAt = new Set<string>(); // "pud:<va of 1G>" / "pmd:<va of 2M>" that hold tables
        for (const m of maps) {
          const g = Math.floor(m.va / GiB) * GiB;
          const mm = Math.floor(m.va / MiB2) * MiB2;
          const covered = leaves.some((l) => l.size > KiB4 && m.va >= l.va && m.va < l.va + l.size);
          if (covered) continue;
          if (m.kind === "1g") {
            if (tableAt.has("pud:" + g)) continue;
            b.map1g(m.va, m.frame, m.flags);
            leaves.unshift({ va: m.va, size: GiB, frame: m.frame, flags: m.flags });
          } else if (m.kind === "2m") {
            if (tableAt.has("pmd:" + mm)) continue;
            b.map2m(m.va, m.frame, m.flags);
            tableAt.add("pud:" + g);
            leaves.unshift({ va: m.va, size: MiB2, frame: m.frame, flags: m.flags });
          } else {
            b.map4k(m.va, m.frame, m.flags);
            tableAt.add("pud:" + g);
            tableAt.add("pmd:" + mm);
            const old = leaves.findIndex((l) => l.va === m.va && l.size === KiB4);
            if (old >= 0) leaves.splice(old, 1);
            leaves.unshift({ va: m.va, size: KiB4, frame: m.frame, flags: m.flags });
          }
        }
        const cr3 = b.pgd * KiB4;
        for (const [base, offset] of probes) {
          const va = base + offset;
          const r = walk(b.mem, cr3, va);
          assert.equal(
            canWrite(b.mem, cr3, va),
            walk(b.mem, cr3, va, { access: "write" }).fault === null,
          );
          const leaf = modelLookup(leaves, va);
          const found = lookup_address({ mem: b.mem, pgd: b.pgd }, va);
          if (leaf === undefined) {
            assert.equal(r.pa, null);
            assert.equal(r.fault?.reason, "not-present");
            // lookup_address: NULL, or an empty PTE slot when a table covers the address
            const deepest = tableAt.has("pmd:" + Math.floor(va / MiB2) * MiB2)
              ? PG_LEVEL_4K
              : tableAt.has("pud:" + Math.floor(va / GiB) * GiB)
              ? PG_LEVEL_1G
              : PG_LEVEL_NONE;
            assert.equal(found.level, deepest);
            if (deepest === PG_LEVEL_4K) {
              const e = b.mem.read(found.pte!.table, found.pte!.index);
              assert.deepEqual(e, { lo: 0, hi: 0 });
            } else {
              assert.equal(found.pte, null);
            }
            continue;
          }
          assert.equal(r.pa, leaf.frame * KiB4 + (va - leaf.va));
          assert.equal(r.pageSize, leaf.size);
          assert.equal(r.writable, (leaf.flags & _PAGE_RW) !== 0);
          assert.equal(r.user, false); // the builder's upper entries are kernel tables
          assert.equal(r.executable, (leaf.flags & _PAGE_NX) === 0);
          const level = leaf.size === KiB4
            ? PG_LEVEL_4K
            : leaf.size === MiB2
            ? PG_LEVEL_2M
            : PG_LEVEL_1G;
          assert.equal(found.level, level);
          const last = r.steps[r.steps.length - 1];
          assert.deepEqual(found.pte, { table: last.table, index: last.index });
        }
      },
    ),
    { numRuns: 300, seed: 20110516 },
  );
});
