import assert from "node:assert/strict";
import { BootMachine, pageInfoOf } from "../../mod.ts";

const GiB = 2 ** 30;

Deno.test("pageInfoOf reads Xen's page_info of a pfn", async (t) => {
  await t.step("a pte page, at its hook, pinned, then hooked in", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    const pfn = m.runUntilAlloc()!; // the window's first page
    m.runUntilHook(pfn);
    const atHook = pageInfoOf(m, pfn);
    assert.equal(atHook.pfn, pfn);
    assert.equal(atHook.mfn, m.xen!.pfnToMfn(pfn));
    // the fixmap alias that filled it is gone: only the allocation's reference is left
    assert.deepEqual([atHook.count, atHook.typeInfo], [1, "7400000000000000"]);
    assert.equal(m.runUntilHypercall()?.call, "mmuext_op"); // the pin: get_page and an L1 type
    assert.deepEqual([pageInfoOf(m, pfn).count, pageInfoOf(m, pfn).typeInfo], [
      2,
      "1c00000000000001",
    ]);
    assert.equal(m.runUntilHypercall()?.call, "mmu_update"); // the pmd entry: another L1 type
    const hooked = pageInfoOf(m, pfn);
    assert.deepEqual([hooked.count, hooked.typeCount, hooked.pinned], [3, 2, true]);
  });
  await t.step("bad input names the value and the rule, and changes nothing", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    const before = m.xen!.pageInfo(m.xen!.pfnToMfn(0x1000));
    assert.throws(() => pageInfoOf(m, 0x40000), /Pfn 262144 is outside the domain/);
    assert.deepEqual(pageInfoOf(m, 0x1000), before);
    const native = new BootMachine({ kernel: "2.6.39", memory: GiB, hypervisor: "native" });
    assert.throws(() => pageInfoOf(native, 0x1000), /pageInfoOf\(0x1000\): .*bare metal/);
  });
});
