import assert from "node:assert/strict";
import { mock } from "node:test";
import {
  boot,
  BootMachine,
  early_iounmap,
  early_memremap,
  estimateBootBytes,
  parseMemorySize,
} from "../../mod.ts";
import { simMain } from "../../cli/sim.ts";

const KiB = 1024, GiB = 2 ** 30, TiB = 2 ** 40;

Deno.test("a domain or machine too small for the kernel's early allocations: an error first", async (t) => {
  await t.step("native, a few KiB: the trampoline would not fit below 1 MiB", () => {
    assert.throws(
      () => new BootMachine({ kernel: "2.6.39", memory: 4 * KiB, hypervisor: "native" }),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(
          "Memory of 4096 bytes is too small for the kernel's own early allocations",
        ) && e.message.includes("Cannot allocate trampoline"),
    );
  });
  await t.step("Xen, a few KiB: the domain builder names its start-of-day area", () => {
    for (const memory of [4 * KiB, 64 * KiB]) {
      assert.throws(
        () => new BootMachine({ kernel: "2.6.38", memory }),
        /A domain of \d+ pages is smaller than its own start-of-day area \(\d+ pages\)/,
      );
    }
  });
  await t.step("the command line says so, with exit code 2 and no stack trace", () => {
    const err = mock.method(console, "error", () => {});
    try {
      const code = simMain(
        ["--kernel", "2.6.39", "--memory", "8KiB", "--hypervisor", "native"],
        () => {},
      );
      assert.equal(code, 2);
      assert.match(
        String(err.mock.calls[0].arguments[0]),
        /^sim: Memory of 8192 bytes is too small/,
      );
    } finally {
      err.mock.restore();
    }
  });
});

Deno.test("sizes too large: named as too large, and the real limit of 2.6.39", async (t) => {
  await t.step(
    "a size beyond exact numbers is too large, not 'not a whole number of pages'",
    () => {
      assert.throws(() => parseMemorySize("100000TiB"), /Memory size "100000TiB" is too large/);
      assert.equal(parseMemorySize("64TiB"), 64 * TiB);
    },
  );
  await t.step("native above 64 TiB: MAX_PHYSMEM_BITS 46 named", () => {
    assert.throws(
      () => new BootMachine({ kernel: "2.6.39", memory: 64 * TiB + 4096, hypervisor: "native" }),
      /more than 2\.6\.39 x86-64 can address: MAX_PHYSMEM_BITS is 46, so a machine has at most 64 TiB/,
    );
  });
  await t.step(
    "a size the model cannot simulate here is refused up front with the estimate",
    () => {
      assert.throws(
        () =>
          new BootMachine({
            kernel: "2.6.39",
            memory: 8 * TiB,
            hypervisor: "native",
            memoryLimit: 4 * GiB,
          }),
        /Simulating 8192 GiB \(native\) needs about 16\.5 GiB of this machine's memory, more than the 4\.0 GiB available/,
      );
      assert.throws(
        () => new BootMachine({ kernel: "2.6.39", memory: GiB, memoryLimit: -1 }),
        /memoryLimit -1 is not a number of bytes above 0/,
      );
      // the same limit lets a small boot through
      const m = new BootMachine({ kernel: "2.6.39", memory: GiB, memoryLimit: 4 * GiB });
      assert.equal(m.finish().outcome, "ok");
    },
  );
  await t.step("the estimate grows with the size, and Xen costs more per page", () => {
    assert.ok(estimateBootBytes(TiB, "native") > 8 * estimateBootBytes(64 * GiB, "native"));
    assert.ok(estimateBootBytes(64 * GiB, "xen") > estimateBootBytes(64 * GiB, "native"));
  });
});

Deno.test("pfns from 2^31 up (8 TiB and more) keep their early_memremap slot", () => {
  // Slots were an Int32Array: pfn 2^31 wrapped to a negative number, and early_iounmap then
  // found the slot "not mapped". This is why native boots above 8 TiB died.
  const m = new BootMachine({ kernel: "2.6.39", memory: GiB, hypervisor: "native" });
  const pfn = 2 ** 31 + 5;
  const alias = early_memremap(m.kernel, pfn);
  assert.equal(m.kernel.fixmapSlots[alias.slot], pfn);
  const steps = [...early_iounmap(m.kernel, alias)];
  assert.equal(steps.length, 0); // natively pte_clear is no hypercall
  assert.equal(m.kernel.fixmapSlots[alias.slot], -1);
});

Deno.test("boot(undefined) and other non-objects: a TypeError, not a crash inside", () => {
  for (const bad of [undefined, null, "2.6.39"]) {
    assert.throws(
      () => boot(bad as unknown as { kernel: string; memory: number }),
      (e: unknown) =>
        e instanceof TypeError && /^Boot options .* are not an object/.test(e.message),
    );
  }
});

Deno.test("a native boot makes no pv alloc hook call and no hypercall", () => {
  for (const kernel of ["2.6.38", "2.6.39", "alloc-hooks", "3.9"]) {
    const m = new BootMachine({ kernel, memory: GiB, hypervisor: "native" });
    const kinds = new Set<string>();
    const r = m.finish((e) => kinds.add(e.kind));
    assert.equal(r.outcome, "ok", kernel);
    assert.equal(kinds.has("pv_alloc"), false, kernel);
    assert.equal(kinds.has("hypercall"), false, kernel);
    assert.equal(r.stats.hypercalls, 0, kernel);
    assert.equal(r.stats.emulatedStores, 0, kernel);
    assert.ok(kinds.has("alloc_low_page"), kernel); // the boot did build tables
  }
  // the same profile under Xen does both: the test can tell them apart
  const kinds = new Set<string>();
  new BootMachine({ kernel: "alloc-hooks", memory: GiB }).finish((e) => kinds.add(e.kind));
  assert.ok(kinds.has("pv_alloc") && kinds.has("hypercall"));
});

Deno.test("estimateBootBytes refuses a size that is not a whole number of pages", () => {
  assert.throws(() => estimateBootBytes(-1, "xen"), /Memory -1 is not a positive whole number/);
  assert.throws(() => estimateBootBytes(4097, "native"), /Memory 4097 is not/);
});
