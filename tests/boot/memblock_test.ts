import assert from "node:assert/strict";
import {
  Memblock,
  memblock_add,
  MEMBLOCK_ERROR,
  memblock_find_in_range,
  memblock_reserve,
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
