import assert from "node:assert/strict";
import {
  checkInvariants,
  do_mmuext_op,
  get_page_type,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L2_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_PIN_L4_TABLE,
  MMUEXT_UNPIN_TABLE,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_writable_page,
  put_page_type,
  stateDigest,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO, RW, TABLE } from "./_machine.ts";

const pin = (cmd: number, mfn: number) => ({ cmd, mfn });

Deno.test("get_page_type: one type at a time, changed only at type count 0", async (t) => {
  await t.step("an untyped frame takes any type, and keeps it at count 0", () => {
    const { xen, m } = bootstrap();
    const f = m(16);
    assert.equal(get_page_type(xen, f, PGT_writable_page), true);
    assert.equal(xen.pageInfo(f).typeInfo, "7400000000000001");
    put_page_type(xen, f);
    assert.equal(xen.pageInfo(f).typeInfo, "7400000000000000");
    assert.equal(get_page_type(xen, f, PGT_l1_page_table), true);
    assert.equal(xen.pageInfo(f).typeInfo, "1400000000000001");
  });
  await t.step("a conflicting type at count > 0 is refused with Bad type (mm.c:2424)", () => {
    const { xen, m } = bootstrap();
    assert.equal(get_page_type(xen, m(3), PGT_writable_page), false);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 1400000000000001 != exp 7000000000000000) for mfn 100003 (pfn 3)",
    ]);
    assert.equal(xen.pageInfo(m(3)).typeInfo, "1400000000000001");
  });
  await t.step("an L2 asked for as L1 is refused silently (it may be a linear page table)", () => {
    const { xen, m } = bootstrap();
    assert.equal(get_page_type(xen, m(2), PGT_l1_page_table), false);
    assert.deepEqual(xen.console.lines, []);
  });
  await t.step(
    "a page table whose last type reference goes is torn down but keeps its type",
    () => {
      const { xen, m } = bootstrap();
      const f = m(16);
      xen.mem.write(f, 0, e(m(17), RW));
      assert.equal(get_page_type(xen, f, PGT_l1_page_table), true);
      assert.equal(xen.pageInfo(m(17)).typeInfo, "7400000000000001");
      put_page_type(xen, f);
      assert.equal(xen.pageInfo(f).typeInfo, "1000000000000000");
      assert.equal(xen.pageInfo(m(17)).typeInfo, "7400000000000000");
      assert.equal(xen.pageInfo(m(17)).count, 1);
      assert.equal(checkInvariants(xen), null);
    },
  );
});

Deno.test("validation on first promotion (alloc_l1_table .. alloc_l4_table)", async (t) => {
  await t.step(
    "the bootstrap pin validates the whole tree, RW entries taking writable refs",
    () => {
      const { xen, m } = bootstrap();
      assert.equal(xen.pageInfo(m(0)).typeInfo, "4c00000000000002"); // pin + CR3
      assert.equal(xen.pageInfo(m(1)).typeInfo, "3400000000000001");
      assert.equal(xen.pageInfo(m(2)).typeInfo, "2400000000000001");
      assert.equal(xen.pageInfo(m(3)).typeInfo, "1400000000000001");
      assert.equal(xen.pageInfo(m(4)).typeInfo, "7400000000000001");
      assert.equal(xen.pageInfo(m(3)).count, 3); // allocation, L2 entry, its own RO PTE
      assert.equal(checkInvariants(xen), null);
    },
  );

  await t.step("a disallowed L1 flag fails the L1 (mm.c:806, 1222, 2174, 2985)", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 2, e(m(17), RW));
    xen.mem.write(m(16), 3, e(m(18), RW | 0x10));
    const before = stateDigest(xen);
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L1_TABLE, m(16))]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:806:d1 Bad L1 flags 10",
      "(XEN) mm.c:1222:d1 Failure in alloc_l1_table: entry 3",
      "(XEN) mm.c:2177:d1 Error while validating mfn 100010 (pfn 10) for type 1000000000000000: caf=8000000000000002 taf=1000000000000001",
      "(XEN) mm.c:2985:d1 Error while pinning mfn 100010",
    ]);
    // Entry 2's writable reference was taken back; the frame is left untyped.
    assert.equal(xen.pageInfo(m(17)).typeCount, 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "0000000000000000");
    assert.equal(stateDigest(xen), before);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("an RW mapping of a page table fails its L1, and the L2 above (recursive)", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(m(17), TABLE));
    xen.mem.write(m(17), 5, e(m(3), RW));
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L2_TABLE, m(16))]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 1400000000000001 != exp 7000000000000000) for mfn 100003 (pfn 3)",
      "(XEN) mm.c:907:d1 Error getting mfn 100003 (pfn 3) from L1 entry 0000000100003063 for l1e_owner=1, pg_owner=1",
      "(XEN) mm.c:1222:d1 Failure in alloc_l1_table: entry 5",
      "(XEN) mm.c:2177:d1 Error while validating mfn 100011 (pfn 11) for type 1000000000000000: caf=8000000000000002 taf=1000000000000001",
      "(XEN) mm.c:915:d1 Attempt to create linear p.t. with write perms",
      "(XEN) mm.c:1366:d1 Failure in alloc_l2_table: entry 0",
      "(XEN) mm.c:2177:d1 Error while validating mfn 100010 (pfn 10) for type 2000000000000000: caf=8000000000000002 taf=2000000000000001",
      "(XEN) mm.c:2985:d1 Error while pinning mfn 100010",
    ]);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("pinning a frame still mapped RW is refused before validation", () => {
    const { xen, m } = bootstrap();
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L1_TABLE, m(9))]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 7400000000000001 != exp 1000000000000000) for mfn 100009 (pfn 9)",
      "(XEN) mm.c:2985:d1 Error while pinning mfn 100009",
    ]);
  });

  await t.step("a superpage at L2 is refused (mm.c:943)", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 1, e(m(17), TABLE | 0x80));
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L2_TABLE, m(16))]), -22);
    assert.deepEqual(xen.console.lines.slice(0, 2), [
      "(XEN) mm.c:943:d1 Attempt to map superpage without allowsuperpage flag in hypervisor",
      "(XEN) mm.c:1366:d1 Failure in alloc_l2_table: entry 1",
    ]);
  });

  await t.step("disallowed L2, L3 and L4 flags (mm.c:928, 969, 994)", () => {
    const cases: [number, number, string, string][] = [
      [MMUEXT_PIN_L2_TABLE, 0x10, "(XEN) mm.c:928:d1 Bad L2 flags 10", "alloc_l2_table"],
      [MMUEXT_PIN_L3_TABLE, 0x100, "(XEN) mm.c:969:d1 Bad L3 flags 100", "alloc_l3_table"],
      [MMUEXT_PIN_L4_TABLE, 0x8, "(XEN) mm.c:994:d1 Bad L4 flags 8", "alloc_l4_table"],
    ];
    for (const [cmd, flag, line, fn] of cases) {
      const { xen, m } = bootstrap();
      xen.mem.write(m(16), 2, e(m(17), TABLE | flag));
      assert.equal(do_mmuext_op(xen, [pin(cmd, m(16))]), -22);
      assert.equal(xen.console.lines[0], line);
      assert.match(
        xen.console.lines[1],
        new RegExp(`^\\(XEN\\) mm\\.c:\\d+:d1 Failure in ${fn}: entry 2$`),
      );
    }
  });

  await t.step("a frame the domain does not own is refused with Xen's message (mm.c:907)", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(0x100020, RO));
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L1_TABLE, m(16))]), -22);
    assert.equal(
      xen.console.lines[0],
      "(XEN) mm.c:907:d1 Error getting mfn 100020 (pfn ffffffffffffffff) from L1 entry 0000000100020061 for l1e_owner=1, pg_owner=1",
    );
  });

  await t.step("a frame beyond the machine is I/O space to Xen (mm.c:825)", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(0x200000, RO));
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L1_TABLE, m(16))]), -22);
    assert.equal(
      xen.console.lines[0],
      "(XEN) mm.c:825:d1 Non-privileged (1) attempt to map I/O space 00200000",
    );
  });

  await t.step("a read-only linear entry is accepted and holds a same-level type reference", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 7, e(m(2), TABLE & ~2)); // -> the bootstrap L2, read-only
    xen.mem.write(m(16), 8, e(m(16), TABLE & ~2)); // -> itself
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L2_TABLE, m(16))]), 0);
    assert.equal(xen.pageInfo(m(2)).typeInfo, "2400000000000002");
    assert.equal(xen.pageInfo(m(16)).typeInfo, "2c00000000000001");
    assert.equal(checkInvariants(xen), null);
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_UNPIN_TABLE, m(16))]), 0);
    assert.equal(xen.pageInfo(m(2)).typeInfo, "2400000000000001");
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("L4 slots 256..271 are Xen's: not validated, cleared on validation", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 260, e(m(3), RW));
    assert.equal(do_mmuext_op(xen, [pin(MMUEXT_PIN_L4_TABLE, m(16))]), 0);
    assert.deepEqual(xen.mem.read(m(16), 260), { lo: 0, hi: 0 });
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("type L2 requested of a validated L1 elsewhere needs its count at 0", () => {
    const { xen, m } = bootstrap();
    assert.equal(get_page_type(xen, m(3), PGT_l2_page_table), false);
    assert.match(xen.console.lines[0], /saw 1400000000000001 != exp 2000000000000000/);
  });
});
