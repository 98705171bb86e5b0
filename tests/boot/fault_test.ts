import assert from "node:assert/strict";
import {
  __va,
  BootMachine,
  do_page_fault,
  entryFrame,
  KernelPanic,
  virt,
  walk,
} from "../../mod.ts";

const GiB = 2 ** 30;

/** `%lx` of a step's entry, with the frame given. */
function lx(frame: number, lo: number, hi: number): string {
  return (BigInt(frame) * 4096n + BigInt(lo & 0xfff) + (BigInt(hi >>> 31) << 63n)).toString(16);
}

Deno.test("do_page_fault natively: the real address, and dump_pagetable's entries", () => {
  const m = new BootMachine({ kernel: "2.6.39", memory: GiB, hypervisor: "native" });
  m.finish();
  const k = m.kernel;
  const address = __va(0x1234 * 4096);
  k.cpu_cr2 = address;
  const report = do_page_fault(k, 3);
  assert.equal(report.address, address);
  assert.equal(report.lines[0], "BUG: unable to handle kernel paging request at ffff880001234000");
  // the dump names each entry of the path, as the CPU reads them (natively mfn = pfn)
  const steps = walk(k.mem, k.cr3() * 4096, address).steps;
  assert.equal(steps.length, 4);
  const names = ["PGD", "PUD", "PMD", "PTE"];
  assert.equal(
    report.lines[1],
    steps.map((s, i) => `${names[i]} ${lx(entryFrame(s.lo, s.hi), s.lo, s.hi)}`).join(" "),
  );
  assert.equal(report.lines[2], "Oops: 0003 [#1] SMP ");
  assert.equal(report.lines[3], "last sysfs file: ");
  assert.equal(report.lines[4], "CR2: ffff880001234000");
  assert.equal(report.lines[5], "Kernel panic - not syncing: Attempted to kill the idle task!");
  assert.deepEqual(k.log.slice(-6), report.lines);
});

Deno.test("do_page_fault under Xen: the dummy vcpu_info's 0, and pfns in the dump", async (t) => {
  const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
  m.finish();
  const k = m.kernel;
  await t.step("early: NULL, PGD 0, and the domain shut down as crashed", () => {
    k.cpu_cr2 = __va(0x1234 * 4096); // what the CPU saw; the guest cannot read it
    const report = do_page_fault(k, 2);
    assert.equal(report.address, 0);
    assert.deepEqual(report.lines.slice(0, 5), [
      "BUG: unable to handle kernel NULL pointer dereference at           (null)",
      "PGD 0 ",
      "Oops: 0002 [#1] SMP ",
      "last sysfs file: ",
      "CR2: 0000000000000000",
    ]);
    assert.equal(m.xen!.shutdown, "crash");
  });
  await t.step("had the real shared page been installed: the address, entries with pfns", () => {
    const address = virt("0xffff880001234000");
    k.xen_vcpu!.arch.cr2 = address;
    const [line, dump] = do_page_fault(k, 3).lines;
    assert.equal(line, "BUG: unable to handle kernel paging request at ffff880001234000");
    const steps = walk(k.mem, k.cr3() * 4096, address).steps;
    const pfn = (s: { lo: number; hi: number }) => k.mfn_to_pfn(entryFrame(s.lo, s.hi));
    assert.ok(steps.every((s) => entryFrame(s.lo, s.hi) !== pfn(s))); // mfns differ from pfns
    assert.equal(
      dump,
      `PGD ${lx(pfn(steps[0]), steps[0].lo, steps[0].hi)} ` + dump.slice(dump.indexOf("PUD")),
    );
    assert.ok(dump.endsWith(`PTE ${lx(0x1234, steps[3].lo, steps[3].hi)}`));
  });
  await t.step("a bad error code is refused, nothing printed", () => {
    const logged = k.log.length;
    assert.throws(() => do_page_fault(k, 4), /error code 4 is not a kernel-mode code/);
    assert.throws(() => do_page_fault(k, 0x20), /error code 32 is not/);
    // the reserved-bit and instruction-fetch paths print other lines: refused, not misprinted
    assert.throws(() => do_page_fault(k, 0xb), /error code 11 has PF_RSVD or PF_INSTR/);
    assert.throws(() => do_page_fault(k, 0x11), /error code 17 has PF_RSVD or PF_INSTR/);
    assert.equal(k.log.length, logged);
  });
});

Deno.test("an explicit panic under Xen shuts the domain down as crashed; natively nothing", () => {
  for (const hypervisor of ["xen", "native"] as const) {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB, hypervisor });
    // stop inside init_memory_mapping, then make the next step panic as find_early_table_space does
    m.runUntil((e) => e.kind === "alloc_low_page");
    const k = m.kernel;
    k.pv = {
      ...k.pv,
      // deno-lint-ignore require-yield
      *alloc_pte() {
        throw new KernelPanic("Cannot find space for the kernel page tables");
      },
    };
    const r = m.finish();
    assert.equal(r.outcome, "panic");
    assert.equal(
      r.panic,
      "Kernel panic - not syncing: Cannot find space for the kernel page tables",
    );
    assert.equal(m.xen?.shutdown ?? null, hypervisor === "xen" ? "crash" : null);
  }
});
