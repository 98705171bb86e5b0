// Second, independent tests for rules that a mutation campaign found held up by one test only, or
// by none: each builds its own state and checks the rule from another side than the first test.
import assert from "node:assert/strict";
import {
  checkInvariants,
  do_mmu_update,
  do_mmuext_op,
  do_update_va_mapping,
  is_guest_l4_slot,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L3_TABLE,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO, RW, TABLE } from "./_machine.ts";

Deno.test("Xen's private L4 slots are 256..271, both ends included", async (t) => {
  await t.step("is_guest_l4_slot at the edges", () => {
    assert.deepEqual(
      [255, 256, 257, 270, 271, 272].map(is_guest_l4_slot),
      [true, false, false, false, false, true],
    );
  });
  await t.step("mod_l4_entry refuses slot 271 and takes slot 272", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 271), val: e(m(1), TABLE) }]), -22);
    assert.match(xen.console.lines[0], /Illegal L4 update attempt in Xen-private area ffff8301000/);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 272), val: e(m(1), TABLE) }]), 0);
    assert.equal(xen.pageInfo(m(1)).typeCount, 2); // slot 0 and slot 272
    assert.equal(checkInvariants(xen), null);
  });
  await t.step("checkInvariants ignores what sits in slot 271, and not what sits in 272", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(0), 271, e(m(9), RW)); // Xen's own business, whatever it holds
    assert.equal(checkInvariants(xen), null);
    xen.mem.write(m(0), 272, e(m(9), RW)); // the guest's: mfn 9 is no validated L3
    assert.equal(checkInvariants(xen)?.rule, "entries of an Ln map a validated L(n-1)");
  });
});

Deno.test("owns(): the domain's frames are firstMfn .. firstMfn + nrPages - 1", () => {
  const { xen, m, ma } = bootstrap();
  const last = xen.firstMfn + xen.nrPages - 1;
  assert.deepEqual(
    [xen.firstMfn - 1, xen.firstMfn, last, last + 1].map((f) => xen.owns(f)),
    [false, true, true, false],
  );
  assert.equal(last, m(23));
  // the bound decides what an L1 entry may map
  assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 30), val: e(last, RO) }]), 0);
  assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 31), val: e(last + 1, RO) }]), -22);
  assert.match(xen.console.lines.at(-1)!, /Error getting mfn 100018 \(pfn ffffffffffffffff\)/);
});

Deno.test("a batch stops at its first refusal; what came before stays done", async (t) => {
  await t.step("mmu_update", () => {
    const { xen, m, ma } = bootstrap();
    const rc = do_mmu_update(xen, [
      { ptr: ma(3, 30), val: e(m(20), RO) }, // fine
      { ptr: ma(3, 31), val: e(m(2), RW) }, // an L2 mapped RW: refused
      { ptr: ma(3, 32), val: e(m(21), RO) }, // never made
    ]);
    assert.equal(rc, -22);
    assert.equal(xen.mem.read(m(3), 30).lo, e(m(20), RO).lo);
    assert.equal(xen.mem.read(m(3), 31).lo, 0);
    assert.equal(xen.mem.read(m(3), 32).lo, 0);
    assert.equal(checkInvariants(xen), null);
  });
  await t.step("mmuext_op", () => {
    const { xen, m } = bootstrap();
    const rc = do_mmuext_op(xen, [
      { cmd: MMUEXT_PIN_L1_TABLE, mfn: m(16) }, // an empty page: a fine L1
      { cmd: MMUEXT_PIN_L3_TABLE, mfn: m(2) }, // the L2 is no L3: refused
      { cmd: MMUEXT_PIN_L1_TABLE, mfn: m(17) }, // never made
    ]);
    assert.equal(rc, -22);
    assert.equal(xen.pageInfo(m(16)).pinned, true);
    assert.equal(xen.pageInfo(m(17)).pinned, false);
    assert.equal(checkInvariants(xen), null);
  });
});

Deno.test("L1 flags, bit by bit: what mod_l1_entry refuses, checkInvariants forbids", () => {
  // Each bit on its own, on a read-only mapping of a data page. Refused by Xen: PWT, PCD,
  // PAT (bit 7) and _PAGE_GNTTAB (bit 62). Allowed: US, A, D, G, the available bits, bits 52..61
  // and NX.
  const cases: [lo: number, hi: number, refused: boolean, flag: string][] = [
    [0x008, 0, true, "8"],
    [0x010, 0, true, "10"],
    [0x080, 0, true, "80"],
    [0, 0x40000000, true, "400000"],
    [0x004, 0, false, ""],
    [0x020, 0, false, ""],
    [0x040, 0, false, ""],
    [0x100, 0, false, ""],
    [0x200, 0, false, ""],
    [0x800, 0, false, ""],
    [0, 0x00100000, false, ""],
    [0, 0x20000000, false, ""],
    [0, 0x80000000, false, ""],
  ];
  for (const [lo, hi, refused, flag] of cases) {
    const { xen, m, ma } = bootstrap();
    const val = { lo: (e(m(20), 0x001).lo | lo) >>> 0, hi: (e(m(20), 0x001).hi | hi) >>> 0 };
    const rc = do_mmu_update(xen, [{ ptr: ma(3, 30), val }]);
    assert.equal(rc, refused ? -22 : 0, `bits ${lo.toString(16)}/${hi.toString(16)}`);
    if (refused) assert.match(xen.console.lines[0], new RegExp(`Bad L1 flags ${flag}$`));
    // the same entry written behind Xen's back: the invariant says the same
    const other = bootstrap();
    other.xen.mem.write(other.m(3), 30, val);
    other.xen.countInfo[20]++; // the reference the entry would hold
    assert.equal(
      checkInvariants(other.xen)?.rule ?? null,
      refused ? "entries have allowed flags" : null,
      `bits ${lo.toString(16)}/${hi.toString(16)}`,
    );
  }
});

Deno.test("update_va_mapping writes only into an L1", async (t) => {
  await t.step("no L1 for the address (L2 entry empty): refused, nothing written", () => {
    const { xen, m } = bootstrap();
    assert.equal(do_update_va_mapping(xen, 0x400000, e(m(20), RO), 0), -22);
    assert.equal(checkInvariants(xen), null);
  });
  await t.step("the 'L1' the walk finds is an L2 (a linear L2 entry): refused", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 5), val: e(m(2), RO) }]), 0);
    const before = xen.mem.read(m(2), 7);
    // va 0xa00000 + 7 pages: pmd 5 leads to the L2 itself, whose entry 7 would be written
    assert.equal(do_update_va_mapping(xen, 0xa07000, e(m(20), RO), 0), -22);
    assert.deepEqual(xen.mem.read(m(2), 7), before);
  });
  await t.step("the same address through a real L1 is taken", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 5), val: e(m(16), TABLE) }]), 0);
    assert.equal(do_update_va_mapping(xen, 0xa07000, e(m(20), RO), 0), 0);
    assert.equal(xen.mem.read(m(16), 7).lo, e(m(20), RO).lo);
  });
});

Deno.test("the fast path compares the whole frame, its bits above 2^20 included", () => {
  const { xen, m, ma } = bootstrap();
  // The L1's entry 9 maps mfn 0x100009 RW. The same entry with mfn 0x9 differs only in frame
  // bit 20 (entry bit 32, in the high half): a new frame, so the slow path, and mfn 9 is not the
  // domain's.
  const old = xen.mem.read(m(3), 9);
  assert.equal(m(9), 0x100009);
  assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 9), val: e(0x9, RW) }]), -22);
  assert.match(xen.console.lines.at(-1)!, /Error getting mfn 9 /);
  assert.deepEqual(xen.mem.read(m(3), 9), old);
  assert.equal(checkInvariants(xen), null);
});
