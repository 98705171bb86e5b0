import assert from "node:assert/strict";
import { boot, BootMachine, PageTableMemory, Xen } from "../../mod.ts";

const MiB = 2 ** 20;

Deno.test("a boot on recycled arrays gives exactly what a boot on fresh ones gives", () => {
  // leave dirty arrays behind: a failed boot (types, counts, tables all in use), then a larger one
  boot({ kernel: "published-range", memory: 4200 * MiB });
  const recycled = boot({ kernel: "alloc-hooks", memory: 1000 * MiB });
  const again = boot({ kernel: "2.6.39", memory: 4100 * MiB });
  const nativeAfter = boot({ kernel: "2.6.39-rc-top", memory: 300 * MiB, hypervisor: "native" });
  // a machine on fresh arrays: the spares are taken first by objects that never give them back
  // (BootMachine never recycles; a boot here needs fewer than 40 storage chunks of 256 tables)
  const fresh = (kernel: string, mib: number, hypervisor: "xen" | "native" = "xen") => {
    new Xen({ nrPages: 1 });
    const drain = new PageTableMemory(40 * 256);
    for (let frame = 0; frame < 40 * 256; frame++) drain.table(frame);
    return new BootMachine({ kernel, memory: mib * MiB, hypervisor }).finish();
  };
  assert.deepEqual(recycled, fresh("alloc-hooks", 1000));
  assert.deepEqual(again, fresh("2.6.39", 4100));
  assert.deepEqual(nativeAfter, fresh("2.6.39-rc-top", 300, "native"));
});

Deno.test("recycled memory is empty, and the next domain's frames start untyped", () => {
  const mem = new PageTableMemory(1024);
  mem.write(7, 3, { lo: 0x1063, hi: 0 });
  mem.recycle();
  assert.deepEqual(mem.tableFrames(), []);
  assert.deepEqual(new PageTableMemory(1024).read(7, 3), { lo: 0, hi: 0 });

  const xen = new Xen({ nrPages: 0x1000 });
  xen.typeInfo[5] = 0x74000001;
  xen.countInfo[5] = 9;
  xen.p2m[5] = 0;
  xen.set_gpfn_from_mfn(0x100006, 0x7);
  xen.recycle();
  const next = new Xen({ nrPages: 0x800 });
  assert.equal(next.p2m.length, 0x800);
  assert.deepEqual([next.typeInfo[5], next.countInfo[5], next.p2m[5]], [0, 1, 0x100005]);
  assert.equal(next.pfnToMfn(0x7ff), 0x1007ff);
  assert.equal(next.mfnToPfn(0x100006), 6); // the M2P written before is the identity again
  next.recycle();
  assert.equal(new Xen({ nrPages: 0x800 }).mfnToPfn(0x100006), 6);
});
