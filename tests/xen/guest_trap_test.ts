// A guest's exceptions under Xen: the trap table the kernel loads, and what Xen does with an
// exception that has no handler (the end of every early BUG() of a PV guest).
import assert from "node:assert/strict";
import {
  BootMachine,
  do_guest_trap,
  do_set_trap_table,
  stateDigest,
  TRAP_debug,
  TRAP_int3,
  TRAP_invalid_op,
  TRAP_page_fault,
  trapstr,
  Xen,
} from "../../mod.ts";

const GiB = 1024 * 1024 * 1024;
const HANDLER = 0xffff81004000;

Deno.test("do_set_trap_table fills the virtual IDT as Xen 4.1 does", async (t) => {
  await t.step("entries up to the first with address 0; the others keep theirs", () => {
    const xen = new Xen({ nrPages: 512 });
    do_set_trap_table(xen, [{ vector: 14, address: HANDLER }]);
    assert.equal(
      do_set_trap_table(xen, [
        { vector: 1, address: HANDLER + 8 },
        { vector: 3, address: 0 },
        { vector: 6, address: HANDLER + 16 },
      ]),
      0,
    );
    assert.equal(xen.trapHandler(1), HANDLER + 8);
    assert.equal(xen.trapHandler(3), 0);
    assert.equal(xen.trapHandler(6), 0); // after the terminator
    assert.equal(xen.trapHandler(14), HANDLER);
  });
  await t.step("a null table clears the whole IDT; an empty one changes nothing", () => {
    const xen = new Xen({ nrPages: 512 });
    do_set_trap_table(xen, [{ vector: 14, address: HANDLER }]);
    do_set_trap_table(xen, []);
    assert.equal(xen.trapHandler(14), HANDLER);
    do_set_trap_table(xen, null);
    assert.equal(xen.trapHandler(14), 0);
  });
  await t.step("entries after the terminator are not read, so not checked either", () => {
    const xen = new Xen({ nrPages: 512 });
    do_set_trap_table(xen, [{ vector: 1, address: HANDLER }, { vector: 3, address: 0 }, {
      vector: 300,
      address: 5,
    }]);
    assert.equal(xen.trapHandler(1), HANDLER);
  });
  await t.step("a bad entry is refused before anything changes", () => {
    const xen = new Xen({ nrPages: 512 });
    do_set_trap_table(xen, [{ vector: 14, address: HANDLER }]);
    const before = [...xen.trapTable];
    assert.throws(
      () => do_set_trap_table(xen, [{ vector: 6, address: HANDLER }, { vector: 256, address: 1 }]),
      /Trap vector 256 is not a vector: vectors are 0 to 255/,
    );
    assert.throws(
      () => do_set_trap_table(xen, [{ vector: 6, address: 2 ** 48 }]),
      /Trap handler address 281474976710656 is not a 48-bit virtual address/,
    );
    assert.deepEqual([...xen.trapTable], before);
  });
});

Deno.test("do_guest_trap bounces to the guest's handler, or crashes the domain", async (t) => {
  await t.step("with a handler: delivered, nothing printed, nothing changed", () => {
    const xen = new Xen({ nrPages: 512 });
    do_set_trap_table(xen, [{ vector: TRAP_invalid_op, address: HANDLER }]);
    const before = stateDigest(xen);
    const table = [...xen.trapTable];
    assert.equal(do_guest_trap(xen, TRAP_invalid_op, 0), "delivered");
    assert.deepEqual(xen.console.lines, []);
    assert.equal(xen.shutdown, null);
    assert.equal(stateDigest(xen), before);
    assert.deepEqual([...xen.trapTable], table);
  });
  await t.step("without one: Xen's warning, the crash report, and the domain is crashed", () => {
    const xen = new Xen({ nrPages: 512, domid: 7 });
    // a #GP with error code 0x18 (do_general_protection hands it to do_guest_trap too)
    assert.equal(do_guest_trap(xen, 13, 0x18), "crashed");
    assert.deepEqual(xen.console.lines, [
      "(XEN) traps.c:451:d7 Unhandled general protection fault fault/trap [#13] on VCPU 0 [ec=0018]",
      "(XEN) domain_crash_sync called from entry.S",
      "(XEN) Domain 7 (vcpu#0) crashed on cpu#0:",
      "(XEN) ----[ Xen-4.1.0  x86_64  debug=y  Not tainted ]----",
    ]);
    assert.equal(xen.shutdown, "crash");
    // a domain already shutting down is not reported twice
    do_guest_trap(xen, TRAP_invalid_op, 0);
    assert.deepEqual(xen.console.lines.slice(4), [
      "(XEN) traps.c:451:d7 Unhandled invalid opcode fault/trap [#6] on VCPU 0 [ec=0000]",
      "(XEN) domain_crash_sync called from entry.S",
    ]);
  });
  await t.step("trapstr names the vectors as Xen does", () => {
    assert.equal(trapstr(0), "divide error");
    assert.equal(trapstr(6), "invalid opcode");
    assert.equal(trapstr(13), "general protection fault");
    assert.equal(trapstr(19), "simd error");
    assert.equal(trapstr(20), "???");
  });
  await t.step("the error code prints as Xen's %04x: four digits at least", () => {
    const xen = new Xen({ nrPages: 512 });
    do_guest_trap(xen, 13, 0x12345);
    assert.match(xen.console.lines[0], /\[ec=12345\]$/);
  });
  await t.step("bad input is refused before anything changes", () => {
    const xen = new Xen({ nrPages: 512 });
    assert.throws(() => do_guest_trap(xen, -1, 0), /Trap vector -1 is not a vector/);
    assert.throws(() => do_guest_trap(xen, 6, 2 ** 32), /Error code 4294967296 is not a 32-bit/);
    assert.throws(() => xen.trapHandler(256), /Trap vector 256 is not a vector/);
    assert.deepEqual(xen.console.lines, []);
    assert.equal(xen.shutdown, null);
  });
});

Deno.test("the trap table a domU hands Xen before and during the mapping", async (t) => {
  await t.step("early_trap_init's load_idt is one set_trap_table hypercall", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    assert.equal(m.xen!.trapHandler(TRAP_page_fault), 0); // the builder registers nothing
    const e = m.runUntil((e) => e.kind === "hypercall" && e.call === "set_trap_table");
    assert.deepEqual(e, { kind: "hypercall", call: "set_trap_table", rc: 0 });
    // after xen_setup_kernel_pagetable (its 4 pages), before the mapping
    assert.equal(m.kernel.stats.tablePages, 4);
    const set = [...m.xen!.trapTable.keys()].filter((v) => m.xen!.trapHandler(v) !== 0);
    assert.deepEqual(set, [TRAP_debug, TRAP_int3, TRAP_page_fault]);
    assert.equal(m.finish().outcome, "ok");
  });
  await t.step("3.9: debug and int3 during init_mem_mapping, the page fault right after", () => {
    const m = new BootMachine({ kernel: "3.9", memory: GiB });
    const registered = () =>
      [...m.xen!.trapTable.keys()].filter((v) => m.xen!.trapHandler(v) !== 0);
    m.runUntil((e) => e.kind === "hypercall" && e.call === "set_trap_table");
    assert.deepEqual(registered(), [TRAP_debug, TRAP_int3]);
    m.runUntil((e) => e.kind === "alloc_low_page");
    assert.deepEqual(registered(), [TRAP_debug, TRAP_int3]); // the mapping has begun
    m.runUntil((e) => e.kind === "hypercall" && e.call === "set_trap_table");
    assert.equal(m.kernel.front, m.kernel.memory.maxPfn * 4096); // early_trap_pf_init: mapped
    assert.deepEqual(registered(), [TRAP_debug, TRAP_int3, TRAP_page_fault]);
    assert.equal(m.finish().outcome, "ok");
  });
  await t.step("an oops goes to the guest's page_fault handler, which must be there", () => {
    const r = new BootMachine({ kernel: "2.6.39-rc-top", memory: GiB }).finish();
    assert.equal(r.outcome, "oops");
    const m = new BootMachine({ kernel: "2.6.39-rc-top", memory: GiB });
    m.runUntil((e) => e.kind === "hypercall" && e.call === "set_trap_table");
    do_set_trap_table(m.xen!, null); // what if the kernel had no page-fault handler yet
    assert.throws(() => m.finish(), /with no guest handler: Xen's report .* is not modelled/);
  });
  await t.step("what if the invalid-opcode handler were there: the guest prints the BUG", () => {
    const m = new BootMachine({ kernel: "alloc-hooks", memory: GiB });
    m.runUntil((e) => e.kind === "hypercall" && e.call === "set_trap_table");
    do_set_trap_table(m.xen!, [{ vector: TRAP_invalid_op, address: HANDLER }]);
    const r = m.finish();
    assert.equal(r.outcome, "bug");
    assert.deepEqual(r.panic?.split("\n"), [
      "------------[ cut here ]------------",
      "kernel BUG at arch/x86/xen/mmu.c:1535!",
      "invalid opcode: 0000 [#1] SMP",
    ]);
    assert.deepEqual(r.log.slice(-3), r.panic?.split("\n"));
    assert.ok(!r.xen_log.some((l) => l.includes("traps.c") || l.includes("crash")));
    assert.equal(m.xen!.shutdown, null);
  });
});
