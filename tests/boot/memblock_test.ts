import assert from "node:assert/strict";
import {
  for_each_free_mem_range_reverse,
  Memblock,
  memblock_add,
  MEMBLOCK_ALLOC_ACCESSIBLE,
  MEMBLOCK_ERROR,
  memblock_find_base,
  memblock_find_in_range,
  memblock_find_in_range_node,
  memblock_reserve,
  memblock_reserve_from,
  memblock_x86_reserve_range,
} from "../../boot/mod.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function ramTo1GiB(): Memblock {
  const mb = new Memblock();
  memblock_add(mb, 0x10000, 0xa0000 - 0x10000);
  memblock_add(mb, MiB, GiB - MiB);
  return mb;
}

Deno.test("memblock_find_in_range", async (t) => {
  await t.step("searches top-down: the highest fit of the last memory region", () => {
    const mb = ramTo1GiB();
    assert.equal(memblock_find_in_range(mb, 0, GiB, 0x2000, 0x1000), GiB - 0x2000);
  });

  await t.step("clips the top to end, and aligns the base down", () => {
    const mb = ramTo1GiB();
    assert.equal(memblock_find_in_range(mb, 0, 0x2fff000, 0x3000, 0x1000), 0x2ffc000);
    assert.equal(memblock_find_in_range(mb, 0, 0x2fff000, 0x3000, 2 * MiB), 0x2e00000);
  });

  await t.step("steps below every reservation the candidate overlaps", () => {
    const mb = ramTo1GiB();
    memblock_reserve(mb, GiB - MiB, MiB);
    memblock_reserve(mb, GiB - 3 * MiB, MiB + 0x1000); // ends one page into the gap
    // top-down: [1 GiB - 1 MiB) taken, then the 2 MiB hole minus a page is too small for 2 MiB.
    assert.equal(memblock_find_in_range(mb, 0, GiB, 2 * MiB, 0x1000), GiB - 5 * MiB);
    assert.equal(memblock_find_in_range(mb, 0, GiB, MiB - 0x1000, 0x1000), GiB - 2 * MiB + 0x1000);
  });

  await t.step("moves to a lower memory region when the higher one cannot hold it", () => {
    const mb = ramTo1GiB();
    memblock_add(mb, 4 * GiB, 8 * MiB); // a region smaller than the request is skipped
    assert.equal(memblock_find_in_range(mb, 0, 5 * GiB, 9 * MiB, 0x1000), GiB - 9 * MiB);
    // and below 1 MiB only the [64 KiB, 640 KiB) region counts: the trampoline's place
    assert.equal(memblock_find_in_range(mb, 0, MiB, 0x1000, 0x1000), 0x9f000);
  });

  await t.step("never returns 0: start 0 is bumped to PAGE_SIZE", () => {
    const mb = new Memblock();
    memblock_add(mb, 0, 0x3000);
    assert.equal(memblock_find_in_range(mb, 0, 0x3000, 0x2000, 0x1000), 0x1000);
    assert.equal(memblock_find_in_range(mb, 0, 0x3000, 0x3000, 0x1000), MEMBLOCK_ERROR);
  });

  await t.step("fails with MEMBLOCK_ERROR when nothing fits above start", () => {
    const mb = ramTo1GiB();
    memblock_reserve(mb, MiB, GiB - MiB);
    assert.equal(memblock_find_in_range(mb, MiB, GiB, 0x1000, 0x1000), MEMBLOCK_ERROR);
    assert.equal(memblock_find_in_range(mb, 0, GiB, 2 * GiB, 0x1000), MEMBLOCK_ERROR);
  });

  await t.step("rejects malformed requests, naming the value and the rule", () => {
    const mb = ramTo1GiB();
    assert.throws(() => memblock_find_in_range(mb, GiB, 0, 0x1000, 0x1000), /below its start/);
    assert.throws(() => memblock_find_in_range(mb, 0, GiB, 0x1000, 3000), /power of two/);
    assert.throws(() => memblock_find_in_range(mb, 0, GiB, 0, 0x1000), /Size 0/);
    assert.throws(() => memblock_find_in_range(mb, 0, GiB, 1.5, 0x1000), /size 1.5 is not/);
  });
});

Deno.test("memblock regions and named reservations", async (t) => {
  await t.step("touching and overlapping regions coalesce, as memblock_add_region does", () => {
    const mb = new Memblock();
    memblock_add(mb, 2 * MiB, MiB);
    memblock_add(mb, 0, MiB);
    memblock_add(mb, MiB, MiB);
    memblock_add(mb, 5 * MiB, MiB);
    assert.deepEqual(mb.memory, [{ base: 0, size: 3 * MiB }, { base: 5 * MiB, size: MiB }]);
  });

  await t.step("memblock_x86_reserve_range keeps names and prints the debug line", () => {
    const mb = new Memblock();
    memblock_x86_reserve_range(mb, 0x1000000, 0x1a80000, "TEXT DATA BSS");
    memblock_x86_reserve_range(mb, 0x1a80000, 0x1a90000, "BRK");
    memblock_x86_reserve_range(mb, 0x5000, 0x5000, "EMPTY");
    assert.deepEqual(mb.reserved, [{ base: 0x1000000, size: 0xa90000 }]);
    assert.deepEqual(mb.reservations.map((r) => r.name), ["TEXT DATA BSS", "BRK"]);
    assert.deepEqual(mb.debugLog, [
      "    memblock_x86_reserve_range: [0x01000000-0x01a7ffff]    TEXT DATA BSS",
      "    memblock_x86_reserve_range: [0x01a80000-0x01a8ffff]              BRK",
    ]);
  });

  await t.step("a range that ends before it starts is refused and changes nothing", () => {
    const mb = new Memblock();
    assert.throws(
      () => memblock_x86_reserve_range(mb, 0x2000, 0x1000, "BAD"),
      /"BAD" ends at 0x1000, below its start 0x2000/,
    );
    assert.deepEqual([mb.reserved, mb.reservations, mb.debugLog], [[], [], []]);
  });
});

Deno.test("memblock_find_in_range_node (3.9): top-down over free ranges", async (t) => {
  await t.step("free ranges are memory minus reserved, highest first", () => {
    const mb = ramTo1GiB();
    memblock_reserve(mb, 0x20000, 0x10000);
    memblock_reserve(mb, GiB - MiB, 2 * MiB); // runs past the end of memory
    assert.deepEqual(for_each_free_mem_range_reverse(mb), [
      [MiB, GiB - MiB],
      [0x30000, 0xa0000],
      [0x10000, 0x20000],
    ]);
  });

  await t.step("the highest aligned fit of the highest free range, clamped to [start, end)", () => {
    const mb = ramTo1GiB();
    assert.equal(memblock_find_in_range_node(mb, 0, GiB, 0x2000, 0x1000), GiB - 0x2000);
    assert.equal(memblock_find_in_range_node(mb, 0, 0x2fff000, 0x3000, 2 * MiB), 0x2e00000);
    // reserve_real_mode's search below 1 MiB: the top of [64 KiB, 640 KiB)
    assert.equal(memblock_find_in_range_node(mb, 0, MiB, 0x6000, 0x1000), 0x9a000);
  });

  await t.step("holes between reservations are tried on their own merits", () => {
    // memory [1 MiB, 1 GiB) plus a small region [4 GiB, 4 GiB + 8 MiB); below 1 GiB a 4 MiB
    // hole is left between two reservations.
    const mb = ramTo1GiB();
    memblock_add(mb, 4 * GiB, 8 * MiB);
    memblock_reserve(mb, GiB - 16 * MiB, 8 * MiB);
    memblock_reserve(mb, GiB - 4 * MiB, 4 * MiB);
    assert.equal(memblock_find_in_range_node(mb, 0, 5 * GiB, 4 * MiB, 0x1000), 4 * GiB + 4 * MiB);
    assert.equal(memblock_find_in_range_node(mb, 0, GiB, 4 * MiB, 0x1000), GiB - 8 * MiB);
    // 9 MiB: neither the 8 MiB region nor the hole holds it; below the lower reservation.
    assert.equal(memblock_find_in_range_node(mb, 0, 5 * GiB, 9 * MiB, 0x1000), GiB - 25 * MiB);
  });

  await t.step("on one node it finds what 2.6.3x's region-by-region search finds", () => {
    // 2.6.3x skips a memory region smaller than size and steps below each reservation the
    // candidate overlaps; 3.9 walks free ranges. Both yield the highest aligned free fit in
    // [max(start, PAGE_SIZE), end), so the base is the same; only the route differs.
    const mb = ramTo1GiB();
    memblock_add(mb, 4 * GiB, 8 * MiB);
    memblock_add(mb, 128 * MiB, 64 * MiB);
    memblock_reserve(mb, 129 * MiB, 63 * MiB);
    memblock_reserve(mb, GiB - 16 * MiB, 8 * MiB);
    memblock_reserve(mb, GiB - 4 * MiB, 4 * MiB);
    for (
      const [start, end, size, align] of [
        [0, 5 * GiB, 9 * MiB, 0x1000], // 2.6.3x skips the 8 MiB region; 3.9 finds it too small
        [0, 5 * GiB, 8 * MiB, 0x1000],
        [0, GiB, 4 * MiB, 0x1000],
        [0, GiB, 2 * MiB, 2 * MiB],
        [MiB, 192 * MiB, 2 * MiB, MiB],
        [0, MiB, 0x6000, 0x1000],
        [130 * MiB, 192 * MiB, 0x1000, 0x1000], // all reserved: both fail
      ]
    ) {
      assert.equal(
        memblock_find_in_range_node(mb, start, end, size, align),
        memblock_find_in_range(mb, start, end, size, align),
        `[${start}, ${end}) size ${size} align ${align}`,
      );
    }
    assert.equal(memblock_find_in_range_node(mb, 0, 5 * GiB, 8 * MiB, 0x1000), 4 * GiB);
    assert.equal(memblock_find_in_range_node(mb, 130 * MiB, 192 * MiB, 0x1000, 0x1000), -1);
    // The one difference in behaviour: an end below start. 2.6.3x's model refuses it; 3.9
    // does end = max(start, end) and finds nothing.
    assert.throws(() => memblock_find_in_range(mb, GiB, 0x1000, 0x1000, 0x1000), /below its start/);
    assert.equal(memblock_find_in_range_node(mb, GiB, 0x1000, 0x1000, 0x1000), MEMBLOCK_ERROR);
  });

  await t.step("start 0 is raised to PAGE_SIZE: page 0 is never returned", () => {
    const mb = new Memblock();
    memblock_add(mb, 0, 0x3000);
    assert.equal(memblock_find_in_range_node(mb, 0, 0x3000, 0x2000, 0x1000), 0x1000);
    assert.equal(memblock_find_in_range_node(mb, 0, 0x3000, 0x3000, 0x1000), MEMBLOCK_ERROR);
  });

  await t.step("end MEMBLOCK_ALLOC_ACCESSIBLE means below memblock.current_limit", () => {
    const mb = ramTo1GiB();
    mb.currentLimit = MiB;
    assert.equal(
      memblock_find_in_range_node(mb, 0, MEMBLOCK_ALLOC_ACCESSIBLE, 0x1000, 0x1000),
      0x9f000,
    );
  });

  await t.step("rejects malformed requests, naming the value and the rule", () => {
    const mb = ramTo1GiB();
    assert.throws(() => memblock_find_in_range_node(mb, 0, GiB, 0x1000, 3000), /power of two/);
    assert.throws(() => memblock_find_in_range_node(mb, 0, GiB, 0, 0x1000), /Size 0/);
    assert.throws(() => memblock_find_in_range_node(mb, -1, GiB, 1, 0x1000), /start -1 is not/);
  });

  await t.step("memblock_reserve_from records the caller and prints 3.9's debug line", () => {
    const mb = new Memblock();
    memblock_reserve_from(mb, 0x40000000, 0x800000, "xen_add_extra_mem");
    memblock_reserve_from(mb, 0x1000, 0, "nothing");
    assert.deepEqual(mb.reservations, [
      { start: 0x40000000, end: 0x40800000, name: "(xen_add_extra_mem)" },
    ]);
    assert.deepEqual(mb.debugLog, [
      "memblock_reserve: [0x00000040000000-0x000000407fffff] xen_add_extra_mem",
    ]);
  });
});

Deno.test("memblock_find_base: an end of MEMBLOCK_ALLOC_ACCESSIBLE means current_limit", () => {
  const mb = new Memblock();
  memblock_add(mb, 0, 0x40000000); // [0, 1 GiB)
  mb.currentLimit = 0x10000000; // 256 MiB accessible so far
  assert.equal(memblock_find_base(mb, 0x1000, 0x1000, 0, MEMBLOCK_ALLOC_ACCESSIBLE), 0xffff000);
  // any other end is taken as it is
  assert.equal(memblock_find_base(mb, 0x1000, 0x1000, 0, 0x40000000), 0x3ffff000);
});
