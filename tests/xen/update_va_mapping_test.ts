import assert from "node:assert/strict";
import {
  checkInvariants,
  do_update_va_mapping,
  stateDigest,
  UVMF_ALL,
  UVMF_INVLPG,
  UVMF_LOCAL,
  UVMF_NONE,
  UVMF_TLB_FLUSH,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO, RW } from "./_machine.ts";

Deno.test("do_update_va_mapping edits the PTE of a va through the current CR3", async (t) => {
  await t.step("making a page read-only drops its writable reference", () => {
    const { xen, m, va } = bootstrap();
    assert.equal(do_update_va_mapping(xen, va(9), e(m(9), RO), UVMF_INVLPG | UVMF_LOCAL), 0);
    assert.equal(xen.pageInfo(m(9)).typeCount, 0);
    assert.deepEqual(xen.flushes, { tlbLocal: 0, invlpgLocal: 1, tlbAll: 0, invlpgAll: 0 });
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("an RW mapping of a page table is refused, state unchanged", () => {
    const { xen, m, va } = bootstrap();
    const before = stateDigest(xen);
    assert.equal(do_update_va_mapping(xen, va(9), e(m(0), RW), UVMF_TLB_FLUSH | UVMF_ALL), -22);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 4c00000000000002 != exp 7000000000000000) for mfn 100000 (pfn 0)",
      "(XEN) mm.c:907:d1 Error getting mfn 100000 (pfn 0) from L1 entry 0000000100000063 for l1e_owner=1, pg_owner=1",
    ]);
    assert.equal(stateDigest(xen), before);
    // Xen flushes even when the update is refused.
    assert.equal(xen.flushes.tlbAll, 1);
  });

  await t.step("no CR3, no L1 for the va, or Xen's slots: -EINVAL, silently", () => {
    const noCr3 = bootstrap({}, false);
    assert.equal(do_update_va_mapping(noCr3.xen, 0x5000, e(noCr3.m(5), RO), UVMF_NONE), -22);
    const { xen, m } = bootstrap();
    assert.equal(do_update_va_mapping(xen, 0x200000, e(m(5), RO), UVMF_NONE), -22);
    assert.equal(do_update_va_mapping(xen, 2 ** 47 + 0x5000, e(m(5), RO), UVMF_NONE), -22);
    assert.deepEqual(xen.console.lines, []);
  });

  await t.step("malformed arguments throw", () => {
    const { xen, m } = bootstrap();
    assert.throws(
      () => do_update_va_mapping(xen, 2 ** 48, e(m(5), RO), UVMF_NONE),
      /update_va_mapping va 0x1000000000000 is not a 48-bit virtual address/,
    );
  });
});
