import assert from "node:assert/strict";
import { CONRING_SIZE, do_mmu_update, XenConsole } from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RW } from "./_machine.ts";

Deno.test("Xen's console is a bounded ring, as conring is", async (t) => {
  await t.step("16 KiB by default, as _CONRING_SIZE", () => {
    assert.equal(CONRING_SIZE, 16384);
    assert.equal(new XenConsole().size, 16384);
  });
  await t.step("the oldest whole lines fall out and are counted", () => {
    const con = new XenConsole({ size: 100 });
    for (let i = 0; i < 10; i++) con.printk(`message ${i}`); // 16 bytes with the newline
    assert.deepEqual(con.lines, [4, 5, 6, 7, 8, 9].map((i) => `(XEN) message ${i}`));
    assert.equal(con.dropped, 4);
    assert.equal(con.printed, 10);
    assert.ok(con.lines.reduce((n, l) => n + l.length + 1, 0) <= 100);
  });
  await t.step("a line longer than the ring is kept alone", () => {
    const con = new XenConsole({ size: 10 });
    con.printk("short");
    con.printk("a line far longer than ten bytes");
    assert.deepEqual(con.lines, ["(XEN) a line far longer than ten bytes"]);
    assert.equal(con.dropped, 1);
  });
  await t.step("linesSince counts across drops", () => {
    const con = new XenConsole({ size: 40 });
    con.printk("one");
    const mark = con.printed;
    con.printk("two");
    con.printk("three");
    assert.deepEqual(con.linesSince(mark), ["(XEN) two", "(XEN) three"]);
    assert.deepEqual(con.linesSince(con.printed), []);
  });
  await t.step("a bad size is refused", () => {
    assert.throws(() => new XenConsole({ size: 0 }), /Console ring of 0 bytes is not possible/);
  });
  await t.step("a guest refused 1,000 times leaves 16 KiB and a count", () => {
    const { xen, m, ma } = bootstrap();
    for (let i = 0; i < 1000; i++) {
      assert.equal(do_mmu_update(xen, [{ ptr: ma(3, 20), val: e(m(2), RW) }]), -22);
    }
    assert.equal(xen.console.printed, 2000); // Bad type + Error getting mfn, each time
    assert.equal(xen.console.dropped + xen.console.lines.length, 2000);
    assert.ok(xen.console.dropped > 1500);
    assert.ok(xen.console.lines.reduce((n, l) => n + l.length + 1, 0) <= CONRING_SIZE);
  });
});
