import assert from "node:assert/strict";
import fc from "fast-check";
import {
  __pa,
  __START_KERNEL_map,
  __va,
  formatVirt,
  PAGE_OFFSET,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
  virt,
} from "../../mmu/mod.ts";

Deno.test("virt() keeps the low 48 bits of a canonical address", async (t) => {
  await t.step("string, BigInt and number forms agree", () => {
    assert.equal(virt("0xffff880000000000"), 0x880000000000);
    assert.equal(virt(0xffff880000000000n), 0x880000000000);
    assert.equal(virt("0xffff_8800_0000_0000"), 0x880000000000);
    assert.equal(virt(0x880000000000), 0x880000000000);
    assert.equal(virt("0x1000"), 0x1000);
  });
  await t.step("the kernel map constants are what Linux 2.6.39 uses", () => {
    assert.equal(formatVirt(PAGE_OFFSET), "0xffff880000000000");
    assert.equal(formatVirt(__START_KERNEL_map), "0xffffffff80000000");
  });
  await t.step("non-canonical addresses are refused", () => {
    assert.throws(
      () => virt("0x0000880000000000"),
      /Virtual address 0x880000000000 is not canonical: bits 48..63 must all equal bit 47/,
    );
    assert.throws(() => virt("0xfff0000000000000"), /is not canonical/);
  });
  await t.step("malformed input names the value and the rule", () => {
    assert.throws(() => virt("ffff"), /"ffff" is not a hex number of at most 16 digits/);
    assert.throws(() => virt("0x10000000000000000"), /at most 16 digits/);
    assert.throws(() => virt(2 ** 48), /is not a 48-bit number/);
    assert.throws(() => virt(-1n), /does not fit in 64 bits/);
  });
});

Deno.test("the index helpers split an address 9/9/9/9/12", () => {
  const a = virt("0xffff88013fe01abc");
  // 0x13fe01abc = 4 GiB + 1022 MiB + 4 KiB + 0xabc past PAGE_OFFSET
  assert.deepEqual(
    [pgd_index(a), pud_index(a), pmd_index(a), pte_index(a), a % 4096],
    [272, 4, 511, 1, 0xabc],
  );
  assert.deepEqual([pgd_index(0), pud_index(0), pmd_index(0), pte_index(0)], [0, 0, 0, 0]);
  const top = virt("0xffffffffffffffff");
  assert.deepEqual([pgd_index(top), pud_index(top), pmd_index(top), pte_index(top)], [
    511,
    511,
    511,
    511,
  ]);
  assert.throws(() => pte_index(-4096), /Virtual address -4096 is not a 48-bit number/);
  assert.throws(() => pmd_index(2 ** 48), /Virtual address 281474976710656 is not a 48-bit/);
  assert.throws(() => pud_index(0.5), /Virtual address 0.5 is not a 48-bit number/);
});

Deno.test("every index helper is the address's 9-bit field, for any 48-bit address", () => {
  // the helpers compute in doubles; BigInt shifts are the reference
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }), (big) => {
      const a = Number(big);
      const field = (shift: bigint) => Number((big >> shift) & 511n);
      assert.deepEqual(
        [pgd_index(a), pud_index(a), pmd_index(a), pte_index(a)],
        [field(39n), field(30n), field(21n), field(12n)],
      );
    }),
    { numRuns: 2000 },
  );
});

Deno.test("__va and __pa translate the direct map and the kernel image map", () => {
  assert.equal(formatVirt(__va(0x40000000)), "0xffff880040000000");
  assert.equal(__pa(__va(0x12345000)), 0x12345000);
  assert.equal(__pa(virt("0xffffffff81000000")), 0x1000000);
  assert.throws(() => __va(2 ** 46), /outside the direct map: __va takes 0 <= pa < 64 TiB/);
  assert.throws(
    () => __pa(virt("0xffffc90000000000")),
    /0xffffc90000000000 has no __pa: it is neither in the direct map nor in the kernel image map/,
  );
});
