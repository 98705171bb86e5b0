import assert from "node:assert/strict";
import {
  do_mmu_update,
  do_mmuext_op,
  do_update_va_mapping,
  MMUEXT_PIN_L1_TABLE,
  stateDigest,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO } from "./_machine.ts";

Deno.test("a null request in a batch: a TypeError naming it, before anything is done", async (t) => {
  await t.step("mmu_update: the good first request is not made either", () => {
    const { xen, m, ma } = bootstrap();
    const before = stateDigest(xen);
    assert.throws(
      () => do_mmu_update(xen, [{ ptr: ma(3, 9), val: e(m(9), RO) }, null as never]),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === "mmu_update request 1 is null: every request of a batch is a " +
            "{ ptr, val } object",
    );
    assert.equal(stateDigest(xen), before);
  });
  await t.step("mmuext_op", () => {
    const { xen, m } = bootstrap();
    const before = stateDigest(xen);
    assert.throws(
      () => do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn: m(16) }, undefined as never]),
      /mmuext_op request 1 is undefined: every request of a batch is a \{ cmd, \.\.\. \} object/,
    );
    assert.equal(stateDigest(xen), before);
  });
  await t.step("a batch that is not an array", () => {
    const { xen } = bootstrap();
    assert.throws(() => do_mmu_update(xen, null as never), /mmu_update batch null is not an array/);
    assert.throws(() => do_mmuext_op(xen, {} as never), /mmuext_op batch \[object Object\]/);
  });
});

Deno.test("update_va_mapping flags out of range: a RangeError naming the UVMF_* rule", () => {
  const { xen, m } = bootstrap();
  const before = stateDigest(xen);
  for (const flags of [8, 12, 2 ** 40, -1, 1.5]) {
    assert.throws(
      () => do_update_va_mapping(xen, 0x9000, e(m(9), RO), flags),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message.startsWith(`update_va_mapping flags ${flags} are not UVMF_* flags`),
    );
  }
  assert.equal(stateDigest(xen), before);
  // every flush type with UVMF_LOCAL or UVMF_ALL is taken
  for (const flags of [0, 1, 2, 3, 4, 5, 6, 7]) {
    assert.equal(do_update_va_mapping(xen, 0x9000, e(m(9), RO), flags), 0);
  }
});
