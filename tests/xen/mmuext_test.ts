import assert from "node:assert/strict";
import {
  checkInvariants,
  do_mmuext_op,
  MMUEXT_INVLPG_ALL,
  MMUEXT_INVLPG_LOCAL,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_NEW_USER_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L4_TABLE,
  MMUEXT_TLB_FLUSH_ALL,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_UNPIN_TABLE,
  stateDigest,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO, RW, TABLE } from "./_machine.ts";

Deno.test("do_mmuext_op: pins, CR3 and flushes", async (t) => {
  await t.step("pinning is not nested: a second pin is refused (mm.c:3001)", () => {
    const { xen, m } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L4_TABLE, mfn: m(0) }]), -22);
    assert.deepEqual(xen.console.lines, ["(XEN) mm.c:3001:d1 Mfn 100000 already pinned"]);
    assert.equal(stateDigest(xen), before);
  });

  await t.step("unpinning a frame that is not pinned is refused (mm.c:3046)", () => {
    const { xen, m } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(3) }]), -22);
    assert.deepEqual(xen.console.lines, ["(XEN) mm.c:3046:d1 Mfn 100003 not pinned"]);
    assert.equal(stateDigest(xen), before);
  });

  await t.step("unpinning a frame of another owner is refused (mm.c:658, 3036)", () => {
    const { xen } = bootstrap();
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: 0x10 }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:658:d1 Could not get page ref for pfn 10",
      "(XEN) mm.c:3036:d1 Mfn 10 bad domain",
    ]);
  });

  await t.step("pin then unpin an L1: validated, pinned, then torn down", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(m(17), RW));
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: m(16) }]), 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "1c00000000000001");
    assert.equal(xen.pageInfo(m(16)).count, 2);
    assert.equal(xen.pageInfo(m(17)).typeInfo, "7400000000000001");
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(16) }]), 0);
    assert.equal(xen.pageInfo(m(16)).typeInfo, "1000000000000000");
    assert.equal(xen.pageInfo(m(16)).count, 1);
    assert.equal(xen.pageInfo(m(17)).typeCount, 0);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("NEW_BASEPTR takes the new L4's reference, then drops the old one's", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(m(1), TABLE));
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_BASEPTR, mfn: m(16) }]), 0);
    assert.equal(xen.cr3, m(16));
    assert.equal(xen.pageInfo(m(16)).typeInfo, "4400000000000001");
    assert.equal(xen.pageInfo(m(0)).typeInfo, "4c00000000000001"); // only the pin is left
    assert.equal(xen.pageInfo(m(1)).typeInfo, "3400000000000002");
    assert.equal(checkInvariants(xen), null);
    // Unpinning the old L4 now tears it down: its L3 loses one reference.
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(0) }]), 0);
    assert.equal(xen.pageInfo(m(1)).typeInfo, "3400000000000001");
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("NEW_BASEPTR of a frame that cannot be an L4 is refused (mm.c:2752)", () => {
    const { xen, m } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_BASEPTR, mfn: m(3) }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 1400000000000001 != exp 4000000000000000) for mfn 100003 (pfn 3)",
      "(XEN) mm.c:2752:d1 Error while installing new baseptr 100003",
    ]);
    assert.equal(xen.cr3, m(0));
    assert.equal(stateDigest(xen), before);
  });

  await t.step("NEW_USER_BASEPTR holds the user L4 the same way; mfn 0 clears it", () => {
    const { xen, m } = bootstrap();
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_USER_BASEPTR, mfn: m(0) }]), 0);
    assert.equal(xen.userCr3, m(0));
    assert.equal(xen.pageInfo(m(0)).typeInfo, "4c00000000000003");
    assert.equal(checkInvariants(xen), null);
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_USER_BASEPTR, mfn: m(3) }]), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 1400000000000001 != exp 4000000000000000) for mfn 100003 (pfn 3)",
      "(XEN) mm.c:3077:d1 Error while installing new mfn 100003",
    ]);
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_USER_BASEPTR, mfn: 0 }]), 0);
    assert.equal(xen.userCr3, null);
    assert.equal(xen.pageInfo(m(0)).typeInfo, "4c00000000000002");
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("a batch stops at the first refusal; earlier operations stay done", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(m(5), RO));
    const rc = do_mmuext_op(xen, [
      { cmd: MMUEXT_PIN_L1_TABLE, mfn: m(16) },
      { cmd: MMUEXT_PIN_L1_TABLE, mfn: m(16) },
      { cmd: MMUEXT_TLB_FLUSH_LOCAL },
    ]);
    assert.equal(rc, -22);
    assert.equal(xen.pageInfo(m(16)).pinned, true);
    assert.equal(xen.flushes.tlbLocal, 0);
  });

  await t.step("TLB flushes are counted", () => {
    const { xen } = bootstrap();
    do_mmuext_op(xen, [
      { cmd: MMUEXT_TLB_FLUSH_LOCAL },
      { cmd: MMUEXT_INVLPG_LOCAL, linearAddr: 0x5000 },
      { cmd: MMUEXT_TLB_FLUSH_ALL },
      { cmd: MMUEXT_INVLPG_ALL, linearAddr: 0x5000 },
    ]);
    assert.deepEqual(xen.flushes, { tlbLocal: 1, invlpgLocal: 1, tlbAll: 1, invlpgAll: 1 });
  });

  await t.step("malformed operations throw before anything changes", () => {
    const { xen, m } = bootstrap();
    const before = stateDigest(xen);
    assert.throws(
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(0) }, { cmd: 42 }]),
      /Invalid extended pt command 42: the model has MMUEXT_PIN_L1_TABLE \(0\) \.\. MMUEXT_INVLPG_ALL \(11\) and MMUEXT_NEW_USER_BASEPTR \(15\)/,
    );
    assert.throws(
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: 0x200000 }]),
      /mmuext_op 0 mfn 0x200000 is outside the machine: machine frames are 0x0\.\.0x100027/,
    );
    assert.throws(() => do_mmuext_op(xen, [{ cmd: MMUEXT_INVLPG_LOCAL }]), /linear_addr undefined/);
    assert.equal(stateDigest(xen), before);
    assert.deepEqual(xen.console.lines, []);
  });
});
