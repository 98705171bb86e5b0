// Property: alloc_l1_table, with its inline loop for the common entries, has exactly the effect
// of Xen's plain loop (get_page_from_l1e per entry, put_page_from_l1e back on failure): the same
// result, counts, types and console lines, for random tables over random page states.
import assert from "node:assert/strict";
import fc from "fast-check";
import { alloc_l1_table, get_page_from_l1e, MM_C_LINE, put_page_from_l1e, Xen } from "../../mod.ts";

/** Xen's `alloc_l1_table` as written in `mm.c`: no fast path. */
function plainAllocL1Table(xen: Xen, mfn: number): number {
  if (!xen.mem.hasTable(mfn)) return 0;
  const w = xen.mem.table(mfn);
  for (let i = 0; i < 512; i++) {
    if (get_page_from_l1e(xen, w[2 * i], w[2 * i + 1]) === 0) {
      xen.console.memLog(
        MM_C_LINE.allocL1Failure,
        xen.domid,
        `Failure in alloc_l1_table: entry ${i}`,
      );
      while (i-- > 0) put_page_from_l1e(xen, w[2 * i], w[2 * i + 1]);
      return -22;
    }
  }
  return 0;
}

const NR_PAGES = 32;

// type_info words: every type, with or without validated, pinned and a count, including the
// largest count, and a few that are plain writable pages
const typeWord = fc.oneof(
  fc.record({
    type: fc.integer({ min: 0, max: 7 }),
    validated: fc.boolean(),
    pinned: fc.boolean(),
    count: fc.constantFrom(0, 0, 1, 2, 0x7ffffe, 0x7fffff),
  }).map((t) =>
    ((t.type << 28) | (t.validated ? 0x04000000 : 0) | (t.pinned ? 0x08000000 : 0) | t.count) >>> 0
  ),
  fc.constantFrom(0, 0x74000000, 0x74000001, 0x70000000),
);

// entries: present or not, RW or not, mostly frames of the domain, sometimes frames outside it,
// past the machine, or at 2^31 and above; sometimes a flag Xen disallows, or NX
const entry = (firstMfn: number) =>
  fc.record({
    frame: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: firstMfn, max: firstMfn + NR_PAGES - 1 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          firstMfn - 1,
          firstMfn + NR_PAGES,
          firstMfn + NR_PAGES + 20,
          2 ** 31,
          2 ** 32 + 3,
        ),
      },
    ),
    present: fc.boolean(),
    rw: fc.boolean(),
    extra: fc.constantFrom(0, 0, 0, 0x60, 0x8, 0x80, 0x100),
    nx: fc.boolean(),
  }).map((e) => ({
    lo: ((e.frame % 0x100000) * 4096 + (e.present ? 1 : 0) + (e.rw ? 2 : 0) + e.extra) >>> 0,
    hi: (Math.floor(e.frame / 0x100000) | (e.nx ? 0x80000000 : 0)) >>> 0,
  }));

const machine = fc.constantFrom(0x100000, 0x7ffffff0, 0x80000000).chain((firstMfn) =>
  fc.record({
    firstMfn: fc.constant(firstMfn),
    types: fc.array(typeWord, { minLength: NR_PAGES, maxLength: NR_PAGES }),
    counts: fc.array(fc.constantFrom(1, 2, 5), { minLength: NR_PAGES, maxLength: NR_PAGES }),
    tableIndex: fc.integer({ min: 0, max: NR_PAGES - 1 }),
    entries: fc.array(fc.tuple(fc.integer({ min: 0, max: 511 }), entry(firstMfn)), {
      maxLength: 40,
    }),
    // most tables are fresh (not yet typed); some are already an L1 or something else
    tableType: fc.constantFrom(0, 0, 0x10000001, 0x74000001),
  })
);

Deno.test("alloc_l1_table has the effect of Xen's plain loop, entry by entry", () => {
  let refused = 0;
  fc.assert(
    fc.property(machine, (m) => {
      const build = () => {
        const xen = new Xen({ nrPages: NR_PAGES, mfnOffset: m.firstMfn });
        xen.typeInfo.set(m.types);
        xen.countInfo.set(m.counts);
        xen.typeInfo[m.tableIndex] = m.tableType;
        const w = xen.mem.table(m.firstMfn + m.tableIndex);
        for (const [i, e] of m.entries) {
          w[2 * i] = e.lo;
          w[2 * i + 1] = e.hi;
        }
        return xen;
      };
      const fast = build();
      const plain = build();
      const table = m.firstMfn + m.tableIndex;
      // (a state Xen never reaches, e.g. a writable page not validated, makes both throw alike)
      const run = (f: () => number) => {
        try {
          return f();
        } catch (error) {
          return String(error);
        }
      };
      const rc = run(() => alloc_l1_table(fast, table));
      assert.equal(rc, run(() => plainAllocL1Table(plain, table)));
      assert.deepEqual([...fast.typeInfo], [...plain.typeInfo]);
      assert.deepEqual([...fast.countInfo], [...plain.countInfo]);
      assert.deepEqual(fast.console.lines, plain.console.lines);
      if (rc === -22) refused++;
    }),
    { numRuns: 1500, seed: 20110527 },
  );
  // both outcomes were exercised
  assert.ok(refused > 100 && refused < 1400, `refused ${refused} of 1500`);
});
