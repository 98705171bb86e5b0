import assert from "node:assert/strict";
import {
  checkInvariants,
  do_mmu_update,
  guestWrite,
  parseXsaState,
  patchedMmCLine,
  stateDigest,
  Xen,
} from "../../xen/hypervisor/mod.ts";
import { walk } from "../../mmu/mod.ts";
import { bootstrap, e, RW, TABLE } from "./_machine.ts";

Deno.test("xsa182 and xsa148 options: checked, and Xen 4.1.0 (vulnerable) by default", async (t) => {
  await t.step("absent: both vulnerable, as 4.1.0 shipped", () => {
    const xen = new Xen({ nrPages: 16 });
    assert.equal(xen.xsa182, "vulnerable");
    assert.equal(xen.xsa148, "vulnerable");
  });
  await t.step("strings and booleans (true = the fix applied)", () => {
    assert.equal(new Xen({ nrPages: 16, xsa182: true }).xsa182, "fixed");
    assert.equal(new Xen({ nrPages: 16, xsa148: "fixed" }).xsa148, "fixed");
    assert.equal(new Xen({ nrPages: 16, xsa148: false }).xsa148, "vulnerable");
    assert.equal(parseXsaState("xsa148", "vulnerable"), "vulnerable");
  });
  await t.step("anything else: a TypeError naming the option, the value and the choices", () => {
    for (
      const [name, value, shown] of [
        ["xsa182", "bogus", '"bogus"'],
        ["xsa148", 1, "1"],
        ["xsa182", null, "null"],
        ["xsa148", "Fixed", '"Fixed"'],
      ] as const
    ) {
      assert.throws(
        () => new Xen({ nrPages: 16, [name]: value } as unknown as { nrPages: number }),
        (err: unknown) =>
          err instanceof TypeError &&
          err.message.startsWith(`Xen option ${name} ${shown} is not a setting: use "fixed"`),
      );
    }
  });
  await t.step("options that are not an object", () => {
    assert.throws(
      () => new Xen(undefined as unknown as { nrPages: number }),
      /Xen options undefined are not an object/,
    );
  });
});

Deno.test("patchedMmCLine: where a patched mm.c prints a 4.1.0 line", () => {
  const none = { xsa148: "vulnerable", xsa182: "vulnerable" } as const;
  const both = { xsa148: "fixed", xsa182: "fixed" } as const;
  const only148 = { xsa148: "fixed", xsa182: "vulnerable" } as const;
  const only182 = { xsa148: "vulnerable", xsa182: "fixed" } as const;
  for (const line of [658, 942, 1852, 1918, 2424, 4967]) {
    assert.equal(patchedMmCLine(line, none), line);
  }
  // XSA-148: +3 everywhere (the mask near the top), +3 more below mod_l2_entry's fast path
  assert.equal(patchedMmCLine(942, only148), 945);
  assert.equal(patchedMmCLine(1852, only148), 1855);
  assert.equal(patchedMmCLine(1918, only148), 1924);
  // XSA-182: +8 from mod_l1_entry on, nothing above
  assert.equal(patchedMmCLine(1523, only182), 1523);
  assert.equal(patchedMmCLine(1784, only182), 1792);
  // both: XSA-182 turns mod_l2_entry's four-line test back into one
  assert.equal(patchedMmCLine(1852, both), 1863);
  assert.equal(patchedMmCLine(1918, both), 1929);
  assert.equal(patchedMmCLine(982, both), 985);
});

Deno.test("XSA-148: PSE on a live L2 entry", async (t) => {
  await t.step("vulnerable: the fast path stores it, a writable 2 MiB page over tables", () => {
    const { xen, m, ma } = bootstrap({ nrPages: 1024 });
    const l1 = m(512); // 2 MiB-aligned
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(l1, TABLE) }]), 0);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(l1, TABLE | 0x80) }]), 0);
    assert.deepEqual(xen.console.lines, []);
    const v = checkInvariants(xen);
    assert.equal(v?.rule, "no writable mapping of a page-table frame");
    assert.match(v?.message ?? "", /maps mfns 100200\.\.1003ff RW as one 2 MiB page/);
    // the guest writes a pte into the L1 with a plain store, through the 2 MiB page
    const foreign = xen.firstMfn + xen.nrPages + 1;
    assert.equal(guestWrite(xen, 0x200000 + 8 * 7, e(foreign, RW)).kind, "store");
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(l1, TABLE) }]), 0); // PSE off
    const r = walk(xen.mem, xen.cr3! * 4096, 0x207000, { access: "write" });
    assert.equal(r.pa, foreign * 4096);
    assert.equal(checkInvariants(xen)?.rule, "entries map frames the domain owns");
  });
  await t.step("fixed: 'Bad L2 flags 80' from mod_l2_entry, nothing changed", () => {
    const { xen, m, ma } = bootstrap({ nrPages: 1024, xsa148: "fixed" });
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(m(512), TABLE) }]), 0);
    const before = stateDigest(xen);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 1), val: e(m(512), TABLE | 0x80) }]), -22);
    assert.equal(xen.console.lines.length, 1);
    assert.match(xen.console.lines[0], /^\(XEN\) mm\.c:\d+:d1 Bad L2 flags 80$/);
    assert.equal(stateDigest(xen), before);
  });
  await t.step("fixed: validating a new L2 that holds a PSE entry names the flag too", () => {
    const { xen, m, ma } = bootstrap({ xsa148: "fixed" });
    xen.mem.write(m(16), 0, e(m(17), TABLE | 0x80));
    assert.equal(do_mmu_update(xen, [{ ptr: ma(1, 1), val: e(m(16), TABLE) }]), -22);
    assert.ok(xen.console.lines.some((l) => l.endsWith("Bad L2 flags 80")));
    assert.equal(checkInvariants(xen), null);
  });
});

Deno.test("XSA-182: RW on a read-only linear L4 entry", async (t) => {
  const setup = (xsa182: "fixed" | "vulnerable") => {
    const machine = bootstrap({ xsa182, xsa148: "fixed" });
    const { xen, m, ma } = machine;
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 1), val: e(m(0), TABLE & ~2) }]), 0);
    assert.equal(checkInvariants(xen), null);
    return machine;
  };
  await t.step("vulnerable: stored unchecked; the L1 is writable through slot 1", () => {
    const { xen, m, ma } = setup("vulnerable");
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 1), val: e(m(0), TABLE) }]), 0);
    assert.deepEqual(xen.console.lines, []);
    assert.equal(checkInvariants(xen)?.rule, "linear entries are read-only");
    const r = walk(xen.mem, xen.cr3! * 4096, 2 ** 39, { access: "write" });
    assert.equal(r.fault, null);
    assert.equal(r.pa, m(3) * 4096);
  });
  await t.step("fixed: the slow path refuses it with the linear-entry message", () => {
    const { xen, m, ma } = setup("fixed");
    const before = stateDigest(xen);
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 1), val: e(m(0), TABLE) }]), -22);
    assert.equal(xen.console.lines.length, 1);
    assert.match(
      xen.console.lines[0],
      /^\(XEN\) mm\.c:\d+:d1 Attempt to create linear p\.t\. with write perms$/,
    );
    assert.equal(stateDigest(xen), before);
  });
  await t.step("fixed: a change of A, D, US or NX alone still takes the fast path", () => {
    const { xen, m, ma } = setup("fixed");
    const counts = xen.pageInfo(m(0));
    assert.equal(do_mmu_update(xen, [{ ptr: ma(0, 1), val: e(m(0), 0x001) }]), 0); // A D US off
    assert.deepEqual(xen.pageInfo(m(0)), counts);
    assert.equal(checkInvariants(xen), null);
  });
});
