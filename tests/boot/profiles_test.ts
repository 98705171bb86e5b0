// The failing profiles of DESIGN §4: each fails on Xen for the reason the story gives, and the
// tests assert the mechanism at the moment of failure, not only the outcome.
import assert from "node:assert/strict";
import {
  __va,
  BootMachine,
  lookup_address,
  PG_LEVEL_NONE,
  TRAP_page_fault,
  virt,
  walk,
} from "../../mod.ts";

const GiB = 1024 * 1024 * 1024;

Deno.test("2.6.39-rc1: the RW fixmap alias of an existing table is refused", () => {
  const m = new BootMachine({ kernel: "2.6.39-rc1", memory: GiB });
  const r = m.finish();
  assert.equal(r.outcome, "oops");
  // the first table map_low_page reaches is level3_ident_pgt (pfn 0x1601), an L3 in use
  assert.deepEqual(r.xen_log, [
    "(XEN) mm.c:2424:d1 Bad type (saw 3400000000000001 != exp 7000000000000000) for mfn 101601 (pfn 1601)",
    "(XEN) mm.c:907:d1 Error getting mfn 101601 (pfn 1601) from L1 entry 8000000101601063 for l1e_owner=1, pg_owner=1",
    "(XEN) mm.c:4967:d1 ptwr_emulate: could not get_page_from_l1e()",
  ]);
  // the guest reads cr2 from xen_dummy_shared_info: its oops says NULL, and the idle task dies
  assert.equal(
    r.panic,
    [
      "BUG: unable to handle kernel NULL pointer dereference at           (null)",
      "PGD 0 ", // init_level4_pgt's slot 0: xen_setup_kernel_pagetable zapped the identity map
      "Oops: 0003 [#1] SMP ",
      "last sysfs file: ", // __die: no sysfs file opened yet
      "CR2: 0000000000000000",
      "Kernel panic - not syncing: Attempted to kill the idle task!",
    ].join("\n"),
  );
  // the faulting store is the kernel's write into bm_pte (slot 0's entry, index 511): Xen
  // propagated that address, into the vcpu_info the guest is not reading yet
  assert.equal(m.xen!.vcpu_info.arch.cr2, virt("0xffffffff81a00ff8"));
  assert.equal(m.kernel.bmPteVa + 511 * 8, virt("0xffffffff81a00ff8"));
  assert.match(r.notes.at(-1)!, /^The page fault was at 0xffffffff81a00ff8 \(pfn 0x1a00\)/);
  // the panic notifier asked Xen for SHUTDOWN_crash; Xen says nothing of a domU's shutdown
  assert.equal(m.xen!.shutdown, "crash");
  assert.equal(r.xen_log.length, 3);
});

Deno.test("published-range: boots up to 4 GiB, fails above it at the pin of pgt_buf_end - 1", async (t) => {
  for (const gib of [1, 2, 4]) {
    await t.step(`${gib} GiB boots`, () => {
      assert.equal(
        new BootMachine({ kernel: "published-range", memory: gib * GiB }).finish().outcome,
        "ok",
      );
    });
  }
  await t.step("4.5 GiB: the mechanism at the failing pin", () => {
    const m = new BootMachine({ kernel: "published-range", memory: 4.5 * GiB });
    const e = m.runUntil((e) => e.kind === "hypercall" && e.call === "mmuext_op" && e.rc !== 0);
    assert.ok(e !== null);
    const k = m.kernel;
    const pfn = k.pgt_buf.end - 1; // the page just taken
    assert.equal(k.windows.length, 2); // the second call
    assert.ok(
      m.xen!.console.lines.at(-2)!.endsWith(
        `for mfn ${m.xen!.pfnToMfn(pfn).toString(16)} (pfn ${pfn.toString(16)})`,
      ),
    );
    // its 2 MiB chunk was mapped before it was taken
    assert.ok(k.front > pfn * 4096);
    // an RW pte for it sits in a pinned, validated L1 ...
    const rw = m.whoMaps(pfn).filter((x) => x.writable && x.tableType === "PGT_l1_page_table");
    assert.equal(rw.length, 1);
    assert.ok(rw[0].validated && rw[0].pinned);
    // ... that lookup_address cannot reach: the pud entry of this GiB is still none
    assert.deepEqual(lookup_address(k.init_mm, __va(pfn * 4096)), {
      pte: null,
      level: PG_LEVEL_NONE,
    });
    const r = m.finish();
    assert.equal(r.outcome, "bug");
    // the BUG() in pin_pagetable_pfn comes before trap_init: Xen crashes the domain, the guest
    // prints nothing
    assert.deepEqual(r.panic?.split("\n"), [
      "(XEN) traps.c:451:d1 Unhandled invalid opcode fault/trap [#6] on VCPU 0 [ec=0000]",
      "(XEN) domain_crash_sync called from entry.S",
      "(XEN) Domain 1 (vcpu#0) crashed on cpu#0:",
      "(XEN) ----[ Xen-4.1.0  x86_64  debug=y  Not tainted ]----",
    ]);
    assert.deepEqual(r.xen_log.slice(-4), r.panic?.split("\n"));
    assert.ok(!r.log.some((l) => l.includes("kernel BUG")));
    assert.match(r.notes.at(-1)!, /BUG\(\) at arch\/x86\/xen\/mmu\.c:1535 \(pin_pagetable_pfn/);
    assert.equal(m.xen!.shutdown, "crash");
  });
});

Deno.test("2.6.39-rc-top: boots, then oopses on a freed page of [end, top) left read-only", () => {
  const m = new BootMachine({ kernel: "2.6.39-rc-top", memory: GiB });
  const r = m.finish();
  assert.equal(r.outcome, "oops");
  const w = r.pgt_buf[0];
  // the oops says NULL (the guest reads cr2 from the dummy shared info); the real address is
  // the one Xen propagated
  assert.match(
    r.panic!,
    /^BUG: unable to handle kernel NULL pointer dereference at {11}\(null\)$/m,
  );
  const address = m.xen!.vcpu_info.arch.cr2;
  const pfn = (address - __va(0)) / 4096;
  assert.ok(r.notes.some((n) => n.includes(`(pfn 0x${pfn.toString(16)})`)));
  assert.ok(pfn >= w.end && pfn < w.top, `pfn ${pfn.toString(16)}`);
  // freed: not reserved as PGTABLE; and read-only
  assert.equal(walk(m.kernel.mem, m.kernel.cr3() * 4096, address).writable, false);
  assert.ok(!r.log.some((l) => l.startsWith("xen: setting RW")));
  // early_trap_init gave Xen the page-fault handler, so the fault reached the guest's handler
  assert.notEqual(m.xen!.trapHandler(TRAP_page_fault), 0);
  assert.equal(m.xen!.shutdown, "crash"); // xen_panic_event
  assert.deepEqual(r.xen_log, []);
  assert.deepEqual(r.log.slice(-6), r.panic?.split("\n"));
  assert.equal(r.log.at(-1), "Kernel panic - not syncing: Attempted to kill the idle task!");
});

Deno.test("alloc-hooks: the hook finds nothing, the window's own ptes are written RW, the pin is refused", () => {
  const m = new BootMachine({ kernel: "alloc-hooks", memory: GiB });
  m.runUntil((e) => e.kind === "pv_alloc" && e.hook === "alloc_pte" && e.pfn === 0x3fdfe);
  assert.deepEqual(lookup_address(m.kernel.init_mm, __va(0x3fdfe * 4096)).pte, null);
  const r = m.finish();
  assert.equal(r.outcome, "bug");
  assert.deepEqual(r.xen_log, [
    "(XEN) mm.c:2424:d1 Bad type (saw 1c00000000000002 != exp 7000000000000000) for mfn 13fdfe (pfn 3fdfe)",
    "(XEN) mm.c:907:d1 Error getting mfn 13fdfe (pfn 3fdfe) from L1 entry 800000013fdfe063 for l1e_owner=1, pg_owner=1",
    "(XEN) mm.c:1222:d1 Failure in alloc_l1_table: entry 510",
    "(XEN) mm.c:2177:d1 Error while validating mfn 13ffe4 (pfn 3ffe4) for type 1000000000000000: caf=8000000000000002 taf=1000000000000001",
    "(XEN) mm.c:2985:d1 Error while pinning mfn 13ffe4",
    "(XEN) traps.c:451:d1 Unhandled invalid opcode fault/trap [#6] on VCPU 0 [ec=0000]",
    "(XEN) domain_crash_sync called from entry.S",
    "(XEN) Domain 1 (vcpu#0) crashed on cpu#0:",
    "(XEN) ----[ Xen-4.1.0  x86_64  debug=y  Not tainted ]----",
  ]);
  // the L1 whose pin failed holds an RW pte for the window's first page, itself a pinned L1
  const rw = m.whoMaps(0x3fdfe).find((x) => x.tablePfn === 0x3ffe4);
  assert.ok(rw !== undefined && rw.writable && rw.index === 510);
});

Deno.test("every profile boots natively", async (t) => {
  for (const kernel of ["2.6.39-rc1", "published-range", "2.6.39-rc-top", "alloc-hooks"]) {
    await t.step(kernel, () => {
      const r = new BootMachine({ kernel, memory: 4.5 * GiB, hypervisor: "native" }).finish();
      assert.equal(r.outcome, "ok");
    });
  }
});
