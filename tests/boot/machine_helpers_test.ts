import assert from "node:assert/strict";
import { BootMachine, hex, stateDigest } from "../../mod.ts";

const GiB = 2 ** 30;

Deno.test("BootMachine's helpers stop where the events say", async (t) => {
  await t.step("runUntilAlloc, runUntilHook, runUntilHypercall", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    const first = m.runUntilAlloc();
    assert.equal(first, m.kernel.pgt_buf.start); // the window's first page
    assert.equal(m.kernel.pgt_buf.end, first! + 1);
    assert.equal(m.runUntilAlloc(first! + 2), first! + 2);
    assert.equal(m.runUntilHook(first!), null); // its hook came before: the boot ran out
    assert.equal(m.outcome, "ok");
  });
  await t.step("a hook, then the hypercall it makes", () => {
    const m = new BootMachine({ kernel: "2.6.38", memory: GiB });
    const pfn = m.runUntilAlloc()!;
    assert.equal(m.runUntilHook(pfn), "alloc_pte");
    // 2.6.38's window is mapped: make_lowmem_page_readonly's update_va_mapping comes next
    assert.deepEqual(m.runUntilHypercall(), { call: "update_va_mapping", rc: 0 });
  });
  await t.step("writableMappings names every RW entry of a page", () => {
    const m = new BootMachine({ kernel: "published-range", memory: 4.5 * GiB });
    m.runUntil((e) => e.kind === "hypercall" && e.call === "mmuext_op" && e.rc !== 0);
    const page = m.kernel.pgt_buf.end - 1;
    assert.deepEqual(m.writableMappings(page), [
      `RW entry ${page % 512} of pfn ${hex(page - 1)}: PGT_l1_page_table, validated, pinned`,
    ]);
  });
  await t.step("natively nothing stops at a hypercall", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB, hypervisor: "native" });
    assert.equal(m.runUntilHypercall(), null);
    assert.equal(m.outcome, "ok");
  });
});

Deno.test("the helpers refuse a pfn the machine does not have, before running anything", () => {
  const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
  assert.throws(() => m.runUntilAlloc(-3), /Page -3 is not a pfn of this machine/);
  assert.throws(() => m.runUntilHook(2 ** 40), /is not a pfn of this machine/);
  assert.throws(() => m.runUntilHook(1.5), /Page 1.5 is not a pfn/);
  assert.equal(m.outcome, null); // nothing ran
  assert.equal(m.runUntilAlloc(), m.kernel.pgt_buf.start); // and the boot is still at its start
});

Deno.test("finish with no tracer skips the events, and nothing else", async (t) => {
  // the same boots, traced and untraced, ending in each outcome and after a pause
  const cases = [
    { kernel: "2.6.39", memory: GiB, outcome: "ok" },
    { kernel: "2.6.39-rc1", memory: GiB, outcome: "oops" }, // early, few events
    { kernel: "published-range", memory: 4.5 * GiB, outcome: "bug" }, // in the second call
    { kernel: "2.6.39-rc-top", memory: GiB, outcome: "oops" },
    { kernel: "3.9", memory: 4.5 * GiB, outcome: "ok" },
  ];
  for (const { outcome, ...options } of cases) {
    await t.step(`${options.kernel}, ${options.memory / GiB} GiB`, () => {
      const traced = new BootMachine(options);
      let events = 0;
      const a = traced.finish(() => events++);
      const quiet = new BootMachine(options);
      quiet.runUntilAlloc(); // paused with events on, then finished with them off
      const b = quiet.finish();
      assert.equal(a.outcome, outcome);
      assert.ok(events > 10);
      assert.deepEqual(b, a);
      assert.equal(stateDigest(quiet.xen!), stateDigest(traced.xen!)); // every frame and table
      assert.equal(quiet.kernel.events, true); // a step driven by hand afterwards yields again
    });
  }
});
