import assert from "node:assert/strict";
import {
  count_pgtables_x86_64,
  startOfDayLayout,
} from "../../xen/hypervisor/start_of_day_layout.ts";

// A worked example, computed by hand from libxc 4.1's xc_dom_x86.c: a 12 MiB kernel at 16 MiB and an
// 8 MiB initrd, for four domain sizes. The numbers there were computed independently of this
// code, from libxc 4.1's count_pgtables.
const rows = [
  {
    gib: 1,
    p2m: [0x2400, 0x2600],
    si: 0x2600,
    pt: 0x2603,
    frames: 23,
    l1: 20,
    stack: 0x261a,
    vEndMiB: 40,
    padding: 485,
  },
  {
    gib: 4,
    p2m: [0x2400, 0x2c00],
    si: 0x2c00,
    pt: 0x2c03,
    frames: 27,
    l1: 24,
    stack: 0x2c1e,
    vEndMiB: 48,
    padding: 993,
  },
  {
    gib: 16,
    p2m: [0x2400, 0x4400],
    si: 0x4400,
    pt: 0x4403,
    frames: 39,
    l1: 36,
    stack: 0x442a,
    vEndMiB: 72,
    padding: 981,
  },
  {
    gib: 64,
    p2m: [0x2400, 0xa400],
    si: 0xa400,
    pt: 0xa403,
    frames: 87,
    l1: 84,
    stack: 0xa45a,
    vEndMiB: 168,
    padding: 933,
  },
];

Deno.test("startOfDayLayout() places the segments as libxc 4.1 does", async (t) => {
  for (const row of rows) {
    await t.step(`${row.gib} GiB`, () => {
      const l = startOfDayLayout({ nrPages: row.gib * 262144 });
      assert.deepEqual(l.kernel, { start: 0x1000, end: 0x1c00 });
      assert.deepEqual(l.initrd, { start: 0x1c00, end: 0x2400 });
      assert.deepEqual(l.p2m, { start: row.p2m[0], end: row.p2m[1] });
      assert.deepEqual([l.startInfo, l.xenstore, l.console], [row.si, row.si + 1, row.si + 2]);
      assert.deepEqual(l.pageTables, { start: row.pt, end: row.pt + row.frames });
      assert.deepEqual(l.tableCounts, { l4: 1, l3: 1, l2: 1, l1: row.l1 });
      assert.equal(l.stack, row.stack);
      assert.equal(l.vEnd, row.vEndMiB * 256);
      assert.equal(l.vEnd - (l.stack + 1), row.padding);
    });
  }
});

Deno.test("startOfDayLayout() keeps at least 512 KiB after the stack, up to a 4 MiB boundary", () => {
  for (let pages = 1024; pages < 20 * 262144; pages = Math.floor(pages * 1.37) + 17) {
    for (const initrd of [0, 5 * 1024 * 1024 + 123]) {
      const l = startOfDayLayout({ nrPages: pages, initrdSize: initrd });
      const padding = l.vEnd - (l.stack + 1);
      assert.ok(padding >= 128, `${pages} pages: padding ${padding}`);
      assert.ok(padding < 128 + 1024, `${pages} pages: padding ${padding}`);
      assert.equal(l.vEnd % 1024, 0);
      // one L1 per 2 MiB of the 1:1 map
      assert.equal(l.tableCounts.l1, l.vEnd / 512);
    }
  }
});

Deno.test("count_pgtables_x86_64() needs a second L2 past 1 GiB of map", () => {
  const c = count_pgtables_x86_64(1024 * 1024 * 1024);
  assert.equal(c.l2, 2);
  assert.equal(c.l1, c.vEnd / (2 * 1024 * 1024));
});

Deno.test("startOfDayLayout() refuses impossible input", () => {
  assert.throws(
    () => startOfDayLayout({ nrPages: 0 }),
    /nrPages 0 is not a whole number of at least 1/,
  );
  assert.throws(
    () => startOfDayLayout({ nrPages: 1024, kernelStart: 0x1000001 }),
    /kernelStart 0x1000001 is not page-aligned/,
  );
  assert.throws(
    () => startOfDayLayout({ nrPages: 1024 * 262144 }),
    /needs a 1:1 map of \d+ MiB: the bootstrap map must fit in the 2 GiB kernel map/,
  );
});
