import assert from "node:assert/strict";
import {
  type DomUMemory,
  earlyTableSpaceBytes,
  find_early_table_space,
  initMemoryMappingCalls,
  KernelPanic,
  type KernelVersion,
  Memblock,
  memblock_add,
  memblock_x86_reserve_range,
  type PgtBuf,
  setupDomUMemory,
} from "../../boot/mod.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** The window of one call, in bytes: [start, top). */
function bytes(buf: PgtBuf): [number, number, number] {
  return [buf.top - buf.start, buf.start * 4096, buf.top * 4096];
}

/** The first call's window, as `setup_arch` would look for it. */
function firstWindow(d: DomUMemory): PgtBuf {
  const [first] = initMemoryMappingCalls(d.maxPfn, d.maxLowPfn);
  return find_early_table_space(d, first.end, false, false);
}

/**
 * The second call's window, after the kernel reserved `used` pages of the first as "PGTABLE"
 * (the kernel reserves only [start, end); CALC, a hand computation of the same tables, reserved the
 * whole [start, top)).
 */
function secondWindow(d: DomUMemory, first: PgtBuf, used: number): PgtBuf {
  const [call1, call2] = initMemoryMappingCalls(d.maxPfn, d.maxLowPfn);
  memblock_x86_reserve_range(
    d.memblock,
    first.start * 4096,
    (first.start + used) * 4096,
    "PGTABLE",
  );
  // after the first call max_pfn_mapped is what it returned: the end of what it mapped
  return find_early_table_space({ ...d, maxPfnMapped: call1.end / 4096 }, call2.end, false, false);
}

Deno.test("the size estimate of find_early_table_space (4 KiB pages under Xen PV)", () => {
  assert.equal(earlyTableSpaceBytes(GiB, false, false) / 4096, 514);
  assert.equal(earlyTableSpaceBytes(GiB + 8 * MiB, false, false) / 4096, 519);
  assert.equal(earlyTableSpaceBytes(4 * GiB, false, false) / 4096, 2053);
  assert.equal(earlyTableSpaceBytes(4 * GiB + 8 * MiB, false, false) / 4096, 2058);
  assert.equal(earlyTableSpaceBytes(16 * GiB + 8 * MiB, false, false) / 4096, 8214);
  assert.equal(earlyTableSpaceBytes(64 * GiB + 8 * MiB, false, false) / 4096, 32838);
  // with 2 MiB pages only the PTEs of the last partial 2 MiB count
  assert.equal(earlyTableSpaceBytes(GiB + 4096, true, false) / 4096, 1 + 2 + 1);
  assert.throws(() => earlyTableSpaceBytes(0, false, false), /end 0 maps nothing/);
});

Deno.test("2.6.38 places the window low, below max_pfn_mapped (2.6.38 find_early_table_space)", async (t) => {
  const rows: [number, number, [number, number, number], [number, number, number] | null][] = [
    [1, 0x2fff, [519, 0x2df8000, 0x2fff000], null],
    [4, 0x37ff, [2053, 0x2ffa000, 0x37ff000], [2058, 0xff7f6000, 0x100000000]],
    [16, 0x4fff, [2053, 0x47fa000, 0x4fff000], [8214, 0xfdfea000, 0x100000000]],
    [64, 0xafff, [2053, 0xa7fa000, 0xafff000], [32838, 0xf7fba000, 0x100000000]],
  ];
  for (const [gib, mapped, call1, call2] of rows) {
    await t.step(`${gib} GiB`, () => {
      const d = setupDomUMemory({ kernel: "2.6.38", memory: gib * GiB });
      assert.equal(d.maxPfnMapped, mapped);
      const first = firstWindow(d);
      assert.deepEqual(bytes(first), call1);
      const calls = initMemoryMappingCalls(d.maxPfn, d.maxLowPfn);
      assert.equal(calls.length, call2 ? 2 : 1);
      if (call2) {
        // The first window is far below 4 GiB, so how much of it is reserved does not matter.
        for (const used of [0, 100, first.top - first.start]) {
          const copy = setupDomUMemory({ kernel: "2.6.38", memory: gib * GiB });
          assert.deepEqual(bytes(secondWindow(copy, firstWindow(copy), used)), call2);
        }
      }
    });
  }

  await t.step("the kernel's debug line", () => {
    const d = setupDomUMemory({ kernel: "2.6.38", memory: GiB });
    firstWindow(d);
    assert.equal(d.log.at(-1), "kernel direct mapping tables up to 40800000 @ 2df8000-2fff000");
    assert.ok(d.log.includes("initial memory mapped : 0 - 02fff000"));
  });
});

Deno.test("2.6.39 places the window high, below end (2.6.39 find_early_table_space)", async (t) => {
  const rows: [number, [number, number, number], number, [number, number, number] | null][] = [
    [1, [514, 0x3fdfe000, 0x40000000], 2058, null],
    [4, [2053, 0xff7fb000, 0x100000000], 2058, null],
    [16, [2053, 0xff7fb000, 0x100000000], 8214, [8214, 0x3fdfea000, 0x400000000]],
    [64, [2053, 0xff7fb000, 0x100000000], 32838, [32838, 0xff7fba000, 0x1000000000]],
  ];
  for (const [gib, call1, pages2, call2] of rows) {
    await t.step(`${gib} GiB`, () => {
      const d = setupDomUMemory({ kernel: "2.6.39", memory: gib * GiB });
      assert.equal(d.maxPfnMapped, 0x2400); // PFN_DOWN(__pa(mfn_list))
      const first = firstWindow(d);
      assert.deepEqual(bytes(first), call1);
      assert.equal(initMemoryMappingCalls(d.maxPfn, d.maxLowPfn).length, 2);
      if (call2) {
        // Above 4 GiB the second window goes below XEN EXTRA at the top of RAM, whatever was
        // reserved of the first window.
        assert.deepEqual(bytes(secondWindow(d, first, first.top - first.start)), call2);
      } else {
        // At or below 4 GiB it goes "just below the used part of window 1": it ends where that
        // part starts; when nothing was used nothing was reserved, and it ends where window 1
        // ends.
        for (const used of [0, 1, 488, first.top - first.start]) {
          const copy = setupDomUMemory({ kernel: "2.6.39", memory: gib * GiB });
          const second = secondWindow(copy, firstWindow(copy), used);
          const top = used === 0 ? first.top : first.start;
          assert.deepEqual(bytes(second), [pages2, (top - pages2) * 4096, top * 4096]);
        }
      }
    });
  }

  await t.step("CALC's convention (whole first window reserved), 1 GiB", () => {
    const d = setupDomUMemory({ kernel: "2.6.39", memory: GiB });
    const first = firstWindow(d);
    assert.deepEqual(bytes(secondWindow(d, first, first.top - first.start)), [
      2058,
      0x3f5f4000,
      0x3fdfe000,
    ]);
    assert.deepEqual(d.log.slice(-2), [
      "kernel direct mapping tables up to 40000000 @ 3fdfe000-40000000",
      "kernel direct mapping tables up to 100800000 @ 3f5f4000-3fdfe000",
    ]);
  });
});

Deno.test("the reservations at the first init_memory_mapping (2.6.39 setup_arch)", async (t) => {
  for (const kernel of ["2.6.38", "2.6.39"] as KernelVersion[]) {
    await t.step(kernel, () => {
      const d = setupDomUMemory({ kernel, memory: GiB });
      const extra = kernel === "2.6.38" ? GiB : 4 * GiB;
      assert.deepEqual(d.memblock.reservations, [
        { start: 0x2603000, end: 0x261a000, name: "XEN PAGETABLES" },
        { start: 0x1000000, end: 0x1a80000, name: "TEXT DATA BSS" },
        { start: 0x1c00000, end: 0x2400000, name: "RAMDISK" },
        { start: 0x2400000, end: 0x2603000, name: "XEN START INFO" },
        { start: extra, end: extra + 8 * MiB, name: "XEN EXTRA" },
        { start: 0x1a80000, end: 0x1a90000, name: "BRK" },
        { start: 0x9f000, end: 0xa0000, name: "TRAMPOLINE" },
      ]);
      assert.deepEqual(d.memblock.memory.slice(0, 2), [
        { base: 0x10000, size: 0x90000 },
        { base: MiB, size: kernel === "2.6.38" ? GiB + 7 * MiB : GiB - MiB },
      ]);
    });
  }

  await t.step("2.6.38 with CONFIG_ACPI_SLEEP adds ACPI WAKEUP below the trampoline", () => {
    const d = setupDomUMemory({ kernel: "2.6.38", memory: GiB, acpiWakeupSize: 0x2000 });
    assert.deepEqual(d.memblock.reservations.at(-1), {
      start: 0x9d000,
      end: 0x9f000,
      name: "ACPI WAKEUP",
    });
  });
});

Deno.test("find_early_table_space panics when nothing fits, and checks its input", async (t) => {
  const mb = new Memblock();
  memblock_add(mb, MiB, MiB); // 256 pages: less than the 514 that 1 GiB needs
  await t.step("the kernel's panic, typed", () => {
    for (const kernel of ["2.6.38", "2.6.39"] as KernelVersion[]) {
      assert.throws(
        () =>
          find_early_table_space({ kernel, memblock: mb, maxPfnMapped: 0x400 }, GiB, false, false),
        (e: unknown) =>
          e instanceof KernelPanic &&
          e.message === "Cannot find space for the kernel page tables" &&
          e.line === "Kernel panic - not syncing: Cannot find space for the kernel page tables",
      );
    }
  });
  await t.step("bad input names the value and the rule, and changes nothing", () => {
    const before = structuredClone(mb);
    assert.throws(
      () =>
        find_early_table_space(
          { kernel: "3.0" as KernelVersion, memblock: mb, maxPfnMapped: 0 },
          GiB,
          false,
          false,
        ),
      /Kernel version "3.0" is unknown/,
    );
    assert.throws(
      () =>
        find_early_table_space(
          { kernel: "2.6.39", memblock: mb, maxPfnMapped: 0 },
          -1,
          false,
          false,
        ),
      /end -1 is not a whole number of bytes/,
    );
    assert.throws(() => initMemoryMappingCalls(0x100, 0x200), /maxLowPfn 0x200 is above maxPfn/);
    assert.deepEqual(structuredClone(mb), before);
  });
});
