import assert from "node:assert/strict";
import {
  e820_print_map,
  E820_RAM,
  E820_RESERVED,
  E820_UNUSABLE,
  type E820Map,
  type KernelVersion,
  Memblock,
  memblock_find_in_range_node,
  sanitize_e820_map,
  setupDomUMemory,
  toolstackMemoryMap,
  xen_memory_setup,
  xen_set_identity,
} from "../../boot/mod.ts";
import { BootMachine } from "../../mod.ts";

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

Deno.test("the domU e820 map (2.6.38/2.6.39 xen_memory_setup)", async (t) => {
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
    assert.deepEqual(d.log.slice(0, 11), [
      "released 0 pages of unused memory",
      // xen_set_identity over the toolstack's one-entry map: no hole, no non-RAM entry
      "Set 0 page(s) to 1-1 mapping.",
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

  await t.step("2.6.38 prints no 1-1 line; a map with a hole gets one per hole's pfns", () => {
    const d38 = setupDomUMemory({ kernel: "2.6.38", memory: GiB });
    assert.ok(!d38.log.some((l) => l.includes("1-1 mapping")));
    const map = [
      { addr: 0, size: GiB, type: E820_RAM },
      { addr: GiB, size: 16 * MiB, type: E820_RESERVED },
      { addr: 2 * GiB, size: GiB, type: E820_RAM },
    ];
    // [1 GiB, 2 GiB) is a reserved entry then a hole: 1 GiB of pfns set 1:1
    assert.equal(xen_set_identity(map), GiB / 4096);
  });

  await t.step(
    "a RAM entry wholly above mem_end: 2.6.39 counts it as balloon, 2.6.38 does not",
    () => {
      const setup = (kernel: "2.6.38" | "2.6.39") => {
        const e820: E820Map = { entries: [] };
        const r = xen_memory_setup(e820, new Memblock(), {
          kernel,
          nrPages: GiB / 4096,
          memoryMap: [
            { addr: 0, size: GiB, type: E820_RAM },
            { addr: 2 * GiB, size: 64 * MiB, type: E820_RAM },
          ],
          mfnList: 0x2000000,
          ptBase: 0x2200000,
        });
        // neither adds the entry as RAM
        assert.ok(!e820.entries.some((e) => e.addr === 2 * GiB && e.size === 64 * MiB), kernel);
        return r;
      };
      // 2.6.39: "RAM off the end - may be partially included": the 64 MiB are extra pages
      const r39 = setup("2.6.39");
      assert.equal(r39.xenExtraMemSize, 64 * MiB);
      assert.equal(r39.xenExtraMemStart, 4 * GiB);
      // 2.6.38 truncates only an entry that crosses mem_end: nothing counted, but the extra
      // region's start moved past the dropped entry
      const r38 = setup("2.6.38");
      assert.equal(r38.xenExtraMemSize, 0);
      assert.equal(r38.xenExtraMemStart, 2 * GiB + 64 * MiB);
    },
  );

  await t.step("MAX_DOMAIN_PAGES follows the release: 128 GiB, 500 GiB in 3.9", () => {
    // the default CONFIG_XEN_MAX_DOMAIN_MEMORY of each release's arch/x86/xen/Kconfig
    const big = 200 * GiB;
    assert.equal(setupDomUMemory({ kernel: "2.6.39", memory: big }).xen.memEnd, 128 * GiB);
    assert.equal(setupDomUMemory({ kernel: "3.9", memory: big }).xen.memEnd, big);
    const m = new BootMachine({ kernel: "3.9", memory: big });
    assert.ok(!m.notes.some((n) => n.includes("MAX_DOMAIN_PAGES")));
    const capped = new BootMachine({ kernel: "2.6.39", memory: big });
    assert.ok(
      capped.notes.some((n) =>
        /caps a domU at MAX_DOMAIN_PAGES \(33554432 pages, 128 GiB\)/.test(n)
      ),
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
      message: 'Kernel version "2.6.40" is unknown: it must be one of 2.6.38, 2.6.39, 3.9',
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

Deno.test("Linux 3.9: the domU e820 map and reservations (3.9 xen_memory_setup)", async (t) => {
  // 3.9's trim_bios_range retypes only page 0; the 64 KiB are a memblock reservation instead.
  const low39 = [
    [0, 0x1000, E820_RESERVED],
    [0x1000, 0xa0000, E820_RAM],
    [0xa0000, 0x100000, E820_RESERVED],
  ];
  // [memory, max_pfn, max_low_pfn, XEN PAGETABLES after check_pt_base, end of the P2M + info]
  const cases: [number, number, number, [number, number], number][] = [
    [1 * GiB, 0x40800, 0x40800, [0x2606000, 0x261a000], 0x2603000],
    [4.5 * GiB, 0x120800, 0x100000, [0x2d06000, 0x2d1e000], 0x2d03000],
    [16 * GiB, 0x400800, 0x100000, [0x4406000, 0x442a000], 0x4403000],
  ];
  for (const [memory, maxPfn, maxLowPfn, [ptStart, ptEnd], ptBase] of cases) {
    await t.step(
      `${memory / GiB} GiB: balloon region right after memory, plain reservations`,
      () => {
        const d = setupDomUMemory({ kernel: "3.9", memory });
        assert.deepEqual(d.e820.entries.map((e) => [e.addr, e.addr + e.size, e.type]), [
          ...low39,
          [MiB, memory + 8 * MiB, E820_RAM],
        ]);
        assert.equal(d.maxPfn, maxPfn);
        assert.equal(d.maxLowPfn, maxLowPfn);
        assert.equal(d.maxPfnMapped, 0x2400); // PFN_DOWN(__pa(mfn_list)), as 2.6.39
        assert.deepEqual(d.brkPgtBuf, { start: 0x1a90, end: 0x1a90, top: 0x1a95 });
        assert.deepEqual(d.xen, {
          xenExtraMemStart: memory,
          xenExtraMemSize: 8 * MiB,
          released: 0,
          memEnd: memory,
        });
        assert.deepEqual(d.memblock.reservations.map((r) => [r.start, r.end, r.name]), [
          // Xen's L4, L3 and L2 recycled by check_pt_base: [pt_base + 3, pt_end)
          [ptStart, ptEnd, "(xen_setup_kernel_pagetable)"],
          [0x1000000, 0x1a80000, "(setup_arch)"], // TEXT DATA BSS
          [0x1c00000, 0x2400000, "(early_reserve_initrd)"], // RAMDISK
          [memory, memory + 8 * MiB, "(xen_add_extra_mem)"], // XEN EXTRA
          [0x2400000, ptBase, "(xen_memory_setup)"], // XEN START INFO
          [0x1a80000, 0x1a95000, "(reserve_brk)"], // BRK with the 5-page seed at its end
          [0x9f000, 0xa0000, "(reserve_real_mode)"], // the trampoline
          [0, 0x10000, "(trim_low_memory_range)"],
        ]);
        // init_mem_mapping's real_end: the top of the highest free 2 MiB, below the balloon region
        const addr = memblock_find_in_range_node(d.memblock, MiB, maxPfn * 4096, 2 * MiB, 2 * MiB);
        assert.equal(addr + 2 * MiB, memory);
      },
    );
  }

  await t.step("1 GiB: what the kernel prints, in 3.9's [mem …] form", () => {
    const d = setupDomUMemory({ kernel: "3.9", memory: GiB });
    assert.deepEqual(d.log, [
      "e820: BIOS-provided physical RAM map:",
      "Xen: [mem 0x0000000000000000-0x000000000009ffff] usable",
      "Xen: [mem 0x00000000000a0000-0x00000000000fffff] reserved",
      "Xen: [mem 0x0000000000100000-0x00000000407fffff] usable",
      "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
      "e820: remove [mem 0x000a0000-0x000fffff] usable",
      "e820: last_pfn = 0x40800 max_arch_pfn = 0x400000000",
      "Base memory trampoline at [ffff88000009f000] 9f000 size 4096",
    ]);
    assert.equal(
      d.memblock.debugLog[3],
      "memblock_reserve: [0x00000040000000-0x000000407fffff] xen_add_extra_mem",
    );
    assert.equal(d.memblock.currentLimit, MiB);
  });

  await t.step("maxmem above memory: the region holds the difference, capped at 10x", () => {
    const d = setupDomUMemory({ kernel: "3.9", memory: GiB, maxmem: 2 * GiB });
    assert.equal(d.xen.xenExtraMemSize, GiB + 8 * MiB);
    // 2.6.3x caps max_pfn + extra at 10x (extra 9x); 3.9 caps extra itself at 10x, and the RAM
    // beyond the cap becomes E820_UNUSABLE.
    const e = setupDomUMemory({ kernel: "3.9", memory: 64 * MiB, maxmem: GiB });
    assert.equal(e.xen.xenExtraMemSize, 10 * 64 * MiB);
    assert.deepEqual(e.e820.entries.at(-1), {
      addr: 11 * 64 * MiB,
      size: GiB + 8 * MiB - 11 * 64 * MiB,
      type: E820_UNUSABLE,
    });
    assert.equal(e.maxPfn, 11 * 64 * MiB / 4096);
  });

  await t.step("a hole below nr_pages is released, set 1:1 and populated back above", () => {
    const mb = new Memblock();
    const e820 = { entries: [] };
    const xen = xen_memory_setup(e820, mb, {
      kernel: "3.9",
      nrPages: 768 * MiB / 4096,
      memoryMap: [
        { addr: 0, size: 512 * MiB, type: E820_RAM },
        { addr: 768 * MiB, size: 512 * MiB, type: E820_RAM },
      ],
      mfnList: 0x2400000,
      ptBase: 0x2603000,
    }, []);
    // 256 MiB released from [512 MiB, 768 MiB) and repopulated at [768 MiB, 1 GiB): max_pfn
    // grows to 1 GiB and the rest of the second entry is balloon space.
    assert.deepEqual(xen, {
      xenExtraMemStart: GiB,
      xenExtraMemSize: 256 * MiB,
      released: 0,
      memEnd: GiB,
    });
    const log: string[] = [];
    xen_memory_setup({ entries: [] }, new Memblock(), {
      kernel: "3.9",
      nrPages: 768 * MiB / 4096,
      memoryMap: [
        { addr: 0, size: 512 * MiB, type: E820_RAM },
        { addr: 768 * MiB, size: 512 * MiB, type: E820_RAM },
      ],
      mfnList: 0x2400000,
      ptBase: 0x2603000,
    }, log);
    assert.deepEqual(log, [
      "Freeing 20000-30000 pfn range: 65536 pages freed",
      "Released 65536 pages of unused memory",
      "Set 65536 page(s) to 1-1 mapping",
      "Populating 30000-40000 pfn range: 65536 pages added",
    ]);
  });

  await t.step("the BRK seed must fit below _end", () => {
    assert.throws(
      () => setupDomUMemory({ kernel: "3.9", memory: GiB, brkEndOffset: 0xbfd000 }),
      /leaves no room for the 5-page BRK seed below _end 0x1c00000/,
    );
  });
});
