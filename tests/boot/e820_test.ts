import assert from "node:assert/strict";
import {
  e820_print_map,
  E820_RAM,
  E820_RESERVED,
  type KernelVersion,
  sanitize_e820_map,
  setupDomUMemory,
  toolstackMemoryMap,
} from "../../boot/mod.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const LOW = [
  [0, 0x10000, E820_RESERVED], // trim_bios_range: CONFIG_X86_RESERVE_LOW
  [0x10000, 0xa0000, E820_RAM],
  [0xa0000, 0x100000, E820_RESERVED], // xen_memory_setup: the ISA hole
];

function ranges(kernel: KernelVersion, memory: number): number[][] {
  return setupDomUMemory({ kernel, memory }).e820.entries.map((
    e,
  ) => [e.addr, e.addr + e.size, e.type]);
}

Deno.test("the domU e820 map, addendum §12.2.3", async (t) => {
  // 2.6.38: the balloon region starts at mem_end, right after RAM, and merges with it.
  const cases38: [number, number, number][] = [
    [1 * GiB, 0x40800, 0x40800],
    [4 * GiB, 0x100800, 0x100000],
    [4.5 * GiB, 0x120800, 0x100000],
    [16 * GiB, 0x400800, 0x100000],
  ];
  for (const [memory, maxPfn, maxLowPfn] of cases38) {
    await t.step(`2.6.38, ${memory / GiB} GiB`, () => {
      assert.deepEqual(ranges("2.6.38", memory), [...LOW, [MiB, memory + 8 * MiB, E820_RAM]]);
      const d = setupDomUMemory({ kernel: "2.6.38", memory });
      assert.equal(d.maxPfn, maxPfn);
      assert.equal(d.maxLowPfn, maxLowPfn);
      assert.deepEqual(
        d.memblock.reservations.find((r) => r.name === "XEN EXTRA"),
        { start: memory, end: memory + 8 * MiB, name: "XEN EXTRA" },
      );
    });
  }

  // 2.6.39: the balloon region starts at max(4 GiB, mem_end).
  const cases39: [number, number[][], number, number][] = [
    [1 * GiB, [[MiB, GiB, E820_RAM], [4 * GiB, 4 * GiB + 8 * MiB, E820_RAM]], 0x100800, 0x40000],
    [4 * GiB, [[MiB, 4 * GiB + 8 * MiB, E820_RAM]], 0x100800, 0x100000],
    [4.5 * GiB, [[MiB, 4.5 * GiB + 8 * MiB, E820_RAM]], 0x120800, 0x100000],
    [16 * GiB, [[MiB, 16 * GiB + 8 * MiB, E820_RAM]], 0x400800, 0x100000],
  ];
  for (const [memory, high, maxPfn, maxLowPfn] of cases39) {
    await t.step(`2.6.39, ${memory / GiB} GiB`, () => {
      assert.deepEqual(ranges("2.6.39", memory), [...LOW, ...high]);
      const d = setupDomUMemory({ kernel: "2.6.39", memory });
      assert.equal(d.maxPfn, maxPfn);
      assert.equal(d.maxLowPfn, maxLowPfn);
      const extra = Math.max(4 * GiB, memory);
      assert.deepEqual(
        d.memblock.reservations.find((r) => r.name === "XEN EXTRA"),
        { start: extra, end: extra + 8 * MiB, name: "XEN EXTRA" },
      );
    });
  }

  await t.step("printed as the kernel prints it, before trim_bios_range", () => {
    const d = setupDomUMemory({ kernel: "2.6.39", memory: GiB });
    assert.deepEqual(d.log.slice(0, 10), [
      "released 0 pages of unused memory",
      "BIOS-provided physical RAM map:",
      " Xen: 0000000000000000 - 00000000000a0000 (usable)",
      " Xen: 00000000000a0000 - 0000000000100000 (reserved)",
      " Xen: 0000000000100000 - 0000000040000000 (usable)",
      " Xen: 0000000100000000 - 0000000100800000 (usable)",
      "e820 update range: 0000000000000000 - 0000000000010000 (usable) ==> (reserved)",
      "e820 remove range: 00000000000a0000 - 0000000000100000 (usable)",
      "last_pfn = 0x100800 max_arch_pfn = 0x400000000",
      "last_pfn = 0x40000 max_arch_pfn = 0x400000000",
    ]);
  });

  await t.step("maxmem above memory: the balloon region holds the difference too", () => {
    const d = setupDomUMemory({ kernel: "2.6.38", memory: GiB, maxmem: 2 * GiB });
    assert.deepEqual(d.xen, {
      xenExtraMemStart: GiB,
      xenExtraMemSize: GiB + 8 * MiB,
      released: 0,
      memEnd: GiB,
    });
  });

  await t.step("above MAX_DOMAIN_PAGES the rest is released and becomes balloon space", () => {
    // A small cap stands in for 128 GiB so the test stays cheap: 1 GiB booted of 2 GiB.
    const d = setupDomUMemory({ kernel: "2.6.38", memory: 2 * GiB, maxDomainPages: GiB / 4096 });
    assert.equal(d.xen.memEnd, GiB);
    assert.equal(d.xen.released, GiB / 4096);
    // 1 GiB + 8 MiB cut off, plus the same 1 GiB released again (xen_setup.c counts it twice)
    assert.equal(d.xen.xenExtraMemSize, 2 * GiB + 8 * MiB);
    assert.ok(
      d.log.includes("xen_release_chunk: looking at area pfn 40000-80000: 262144 pages freed"),
    );
  });

  await t.step("the balloon region is capped at 10x the boot allocation (EXTRA_MEM_RATIO)", () => {
    const d = setupDomUMemory({ kernel: "2.6.39", memory: 64 * MiB, maxmem: GiB });
    assert.equal(d.xen.xenExtraMemSize, 9 * 64 * MiB);
  });

  await t.step("sanitize_e820_map merges touching entries and resolves overlaps upward", () => {
    const map = {
      entries: [
        { addr: 0, size: 2 * MiB, type: E820_RAM },
        { addr: MiB, size: MiB, type: E820_RESERVED },
        { addr: 2 * MiB, size: MiB, type: E820_RAM },
        { addr: 3 * MiB, size: MiB, type: E820_RAM },
      ],
    };
    assert.equal(sanitize_e820_map(map), 0);
    assert.deepEqual(e820_print_map(map, "BIOS-e820"), [
      " BIOS-e820: 0000000000000000 - 0000000000100000 (usable)",
      " BIOS-e820: 0000000000100000 - 0000000000200000 (reserved)",
      " BIOS-e820: 0000000000200000 - 0000000000400000 (usable)",
    ]);
  });

  await t.step("bad input is refused with the value and the rule", () => {
    assert.throws(() => setupDomUMemory({ kernel: "2.6.40" as KernelVersion, memory: GiB }), {
      name: "RangeError",
      message: 'Kernel version "2.6.40" is unknown: it must be one of 2.6.38, 2.6.39',
    });
    assert.throws(
      () => setupDomUMemory({ kernel: "2.6.39", memory: GiB + 1 }),
      /memory 1073741825/,
    );
    assert.throws(
      () => setupDomUMemory({ kernel: "2.6.39", memory: GiB, maxmem: MiB }),
      /maxmem 1048576 is not a whole number of 4 KiB pages of at least 1073741824/,
    );
    assert.throws(() => toolstackMemoryMap(GiB, 100), /slack 100 is not a whole number of 4 KiB/);
  });
});
