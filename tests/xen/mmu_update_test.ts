import assert from "node:assert/strict";
import {
  checkInvariants,
  do_mmu_update,
  MMU_MACHPHYS_UPDATE,
  MMU_PT_UPDATE_PRESERVE_AD,
  stateDigest,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, NX, RO, RW, TABLE } from "./_machine.ts";

Deno.test("the fast path of mod_l2_entry: XSA-182's whitelist, or 4.1.0's presence check", async (t) => {
  await t.step(
    "XSA-182 fixed: adding PSE to an L2 entry takes the slow path and is refused",
    () => {
      const { xen, m, ma } = bootstrap({ xsa182: "fixed" });
      const before = stateDigest(xen);
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 0), val: e(m(3), TABLE | 0x80) }]), -22);
      assert.deepEqual(xen.console.lines, [
        "(XEN) mm.c:943:d1 Attempt to map superpage without allowsuperpage flag in hypervisor",
      ]);
      assert.equal(stateDigest(xen), before);
    },
  );
  await t.step("fixed: a change of A or D only still takes the fast path", () => {
    const { xen, m, ma } = bootstrap({ xsa182: "fixed", xsa148: "fixed" });
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 0), val: e(m(3), TABLE & ~0x40) }]), 0);
    assert.deepEqual(xen.console.lines, []);
    assert.equal(checkInvariants(xen), null);
  });
  await t.step(
    "vulnerable (4.1.0, the default): the same PSE update goes through unchecked",
    () => {
      const { xen, m, ma } = bootstrap();
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 0), val: e(m(3), TABLE | 0x80) }]), 0);
      assert.deepEqual(xen.console.lines, []);
      // RW and PSE: a 2 MiB page over the domain's own tables
      assert.equal(checkInvariants(xen)?.rule, "no writable mapping of a page-table frame");
      // read-only, it is still a superpage Xen never allowed
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 0), val: e(m(3), (TABLE | 0x80) & ~2) }]), 0);
      assert.equal(checkInvariants(xen)?.rule, "no superpages");
    },
  );
});

Deno.test("do_mmu_update dispatches on the type of the target frame", async (t) => {
  await t.step("into a validated L1: mod_l1_entry takes new refs, drops old ones", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 9), val: e(m(9), RO) }]), 0);
    assert.equal(xen.pageInfo(m(9)).typeCount, 0); // the RW entry's writable ref is gone
    assert.equal(xen.pageInfo(m(9)).count, 2);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("an RW mapping of a page table is refused (mm.c:2424, 904)", () => {
    const { xen, m, ma } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 9), val: e(m(2), RW) }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 2400000000000001 != exp 7000000000000000) for mfn 100002 (pfn 2)",
      "(XEN) mm.c:907:d1 Error getting mfn 100002 (pfn 2) from L1 entry 0000000100002063 for l1e_owner=1, pg_owner=1",
    ]);
    assert.equal(stateDigest(xen), before);
  });

  await t.step("an L1 mapping itself RW: the 'saw' shows page_lock's bit and count", () => {
    const { xen, m, ma } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 20), val: e(m(3), RW) }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 1480000000000002 != exp 7000000000000000) for mfn 100003 (pfn 3)",
      "(XEN) mm.c:907:d1 Error getting mfn 100003 (pfn 3) from L1 entry 0000000100003063 for l1e_owner=1, pg_owner=1",
    ]);
    assert.equal(stateDigest(xen), before); // the lock and its count are gone again
    assert.equal(xen.pageInfo(m(3)).typeInfo, "1400000000000001");
  });

  await t.step("a disallowed flag is refused by mod_l1_entry itself (mm.c:1784)", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 20), val: e(m(17), RW | 0x80) }]), -22);
    assert.deepEqual(xen.console.lines, ["(XEN) mm.c:1784:d1 Bad L1 flags 80"]);
  });

  await t.step("the fast path: same frame, RW and presence, no reference moves", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 9), val: e(m(9), RW | NX) }]), 0);
    assert.equal(xen.pageInfo(m(9)).typeInfo, "7400000000000001");
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("hooking an L1 into a validated L2 validates it", () => {
    const { xen, m, ma } = bootstrap();
    xen.mem.write(m(16), 0, e(m(17), RW));
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(m(16), TABLE) }]), 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "1400000000000001");
    assert.equal(xen.pageInfo(m(17)).typeInfo, "7400000000000001");
    assert.equal(checkInvariants(xen), null);
    // Unhooking it tears it down again.
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: { lo: 0, hi: 0 } }]), 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "1000000000000000");
    assert.equal(xen.pageInfo(m(17)).typeCount, 0);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step(
    "hooking a frame that is mapped RW is refused, with the linear retry (mm.c:915)",
    () => {
      const { xen, m, ma } = bootstrap();
      const before = stateDigest(xen);
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(m(9), TABLE) }]), -22);
      assert.deepEqual(xen.console.lines, [
        "(XEN) mm.c:2424:d1 Bad type (saw 7400000000000001 != exp 1000000000000000) for mfn 100009 (pfn 9)",
        "(XEN) mm.c:915:d1 Attempt to create linear p.t. with write perms",
      ]);
      assert.equal(stateDigest(xen), before);
    },
  );

  await t.step("flags and superpages at L2..L4 (mm.c:1852, 942, 1917, 1988)", () => {
    const cases: [number, number, string][] = [
      [2, TABLE | 0x10, "(XEN) mm.c:1852:d1 Bad L2 flags 10"],
      [
        2,
        TABLE | 0x80,
        "(XEN) mm.c:943:d1 Attempt to map superpage without allowsuperpage flag in hypervisor",
      ],
      [1, TABLE | 0x100, "(XEN) mm.c:1918:d1 Bad L3 flags 100"],
      [0, TABLE | 0x8, "(XEN) mm.c:1989:d1 Bad L4 flags 8"],
    ];
    for (const [pfn, flags, line] of cases) {
      const { xen, m, ma } = bootstrap();
      assert.equal(do_mmu_update(xen, [{ ptr: ma(pfn, 1), val: e(m(17), flags) }]), -22);
      assert.deepEqual(xen.console.lines, [line]);
    }
  });

  await t.step("Xen's L4 slots cannot be updated (mm.c:1977)", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 260), val: e(m(17), TABLE) }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:1977:d1 Illegal L4 update attempt in Xen-private area ffff830100000820",
    ]);
  });

  await t.step("into a writable or untyped frame: a plain store", () => {
    const { xen, m, ma } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: ma(9, 4), val: e(m(2), RW) }]), 0);
    assert.deepEqual(xen.mem.read(m(9), 4), e(m(2), RW));
    assert.equal(do_mmu_update(xen, [{ ptr: ma(16, 4), val: e(m(2), RW) }]), 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "7400000000000000");
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("a batch stops at the first refusal; earlier requests stay applied", () => {
    const { xen, m, ma } = bootstrap();
    const rc = do_mmu_update(xen, [
      { ptr: ma(3, 9), val: e(m(9), RO) },
      { ptr: ma(3, 10), val: e(m(3), RW) },
      { ptr: ma(3, 11), val: e(m(11), RO) },
    ]);
    assert.equal(rc, -22);
    assert.deepEqual(xen.mem.read(m(3), 9), e(m(9), RO));
    assert.deepEqual(xen.mem.read(m(3), 11), e(m(11), RW));
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("a frame the domain does not own cannot be updated", () => {
    const { xen } = bootstrap();
    assert.equal(do_mmu_update(xen, [{ ptr: 0x10 * 4096, val: { lo: 0, hi: 0 } }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:658:d1 Could not get page ref for pfn 10",
      "(XEN) mm.c:3459:d1 Could not get page for normal update",
    ]);
  });

  await t.step("MMU_PT_UPDATE_PRESERVE_AD keeps the old A and D bits", () => {
    const { xen, m, ma } = bootstrap();
    const ptr = ma(3, 9) + MMU_PT_UPDATE_PRESERVE_AD;
    assert.equal(do_mmu_update(xen, [{ ptr, val: e(m(9), 0x003) }]), 0);
    assert.deepEqual(xen.mem.read(m(3), 9), e(m(9), 0x063));
  });

  await t.step("MMU_MACHPHYS_UPDATE sets the M2P entry", () => {
    const { xen, m } = bootstrap();
    const ptr = m(9) * 4096 + MMU_MACHPHYS_UPDATE;
    assert.equal(do_mmu_update(xen, [{ ptr, val: { lo: 0x1234, hi: 0 } }]), 0);
    assert.equal(xen.mfnToPfn(m(9)), 0x1234);
    assert.equal(xen.mfnToPfn(m(10)), 10); // its neighbour keeps the builder's layout
    // the stored difference wraps modulo 2^32: every 32-bit pfn reads back as written
    for (const pfn of [0, 0x7fffffff, 0x80000000, 0xffffffff]) {
      assert.equal(do_mmu_update(xen, [{ ptr, val: { lo: pfn, hi: 0 } }]), 0);
      assert.equal(xen.mfnToPfn(m(9)), pfn);
    }
    assert.equal(xen.formatPfn(m(9)), "ffffffffffffffff"); // INVALID_M2P_ENTRY
    assert.throws(
      () => xen.set_gpfn_from_mfn(xen.firstMfn - 1, 0),
      /Frame 0xfffff is not the domain's: it owns frames 0x100000\.\.0x[0-9a-f]+, and only their/,
    );
    assert.throws(
      () => xen.set_gpfn_from_mfn(m(9) + 0.5, 0),
      /Frame 1048585.5 is not the domain's/,
    );
    for (const bad of [1.5, -1, 2 ** 32, NaN]) {
      assert.throws(
        () => xen.set_gpfn_from_mfn(m(9), bad),
        /cannot be an M2P entry: entries are 32-bit/,
      );
    }
    assert.equal(xen.mfnToPfn(m(9)), 0xffffffff); // unchanged by the refusals
  });

  await t.step("malformed requests throw before anything changes", () => {
    const { xen, m, ma } = bootstrap();
    const before = stateDigest(xen);
    const ok = { ptr: ma(3, 9), val: e(m(9), RO) };
    assert.throws(
      () => do_mmu_update(xen, [ok, { ptr: ma(3, 9) + 4, val: e(m(9), RO) }]),
      /Machine address 0x10000304c is not 8-byte aligned: an mmu_update ptr names one 8-byte entry/,
    );
    assert.throws(
      () => do_mmu_update(xen, [ok, { ptr: ma(3, 9) + 3, val: e(m(9), RO) }]),
      /Invalid page update command 3 in ptr 0x10000304b/,
    );
    assert.throws(
      () => do_mmu_update(xen, [ok, { ptr: 0x200000 * 4096, val: e(m(9), RO) }]),
      /mmu_update ptr 0x200000000 is outside the machine: machine addresses are 0x0\.\.0x100027fff/,
    );
    assert.throws(
      () => do_mmu_update(xen, [ok, { ptr: ma(3, 9), val: { lo: -1, hi: 0 } }]),
      /mmu_update val half -1 is not an unsigned 32-bit number/,
    );
    assert.equal(stateDigest(xen), before);
  });
});
