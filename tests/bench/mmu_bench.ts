// Benchmarks of the hardware model's hot paths. Run with `deno task bench`; timings belong
// here, never in tests.
import {
  __va,
  _KERNPG_TABLE,
  entryHi,
  entryLo,
  lookup_address,
  makeEntry,
  PAGE_KERNEL,
  PageTableMemory,
  walk,
} from "../../mod.ts";

const mem = new PageTableMemory(0x40000);
mem.write(1, 272, makeEntry(2, _KERNPG_TABLE));
mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
for (let chunk = 0; chunk < 512; chunk++) {
  mem.write(3, chunk, makeEntry(16 + chunk, _KERNPG_TABLE));
  const words = mem.table(16 + chunk);
  for (let i = 0; i < 512; i++) {
    words[2 * i] = entryLo(chunk * 512 + i, PAGE_KERNEL);
    words[2 * i + 1] = entryHi(chunk * 512 + i, PAGE_KERNEL);
  }
}
const init_mm = { mem, pgd: 1 };
let pfn = 0;

Deno.bench("walk() of a 4 KiB direct-map page", { group: "translate", baseline: true }, () => {
  pfn = (pfn + 4099) % 0x40000;
  walk(mem, 0x1000, __va(pfn * 4096));
});

Deno.bench("lookup_address() of a 4 KiB direct-map page", { group: "translate" }, () => {
  pfn = (pfn + 4099) % 0x40000;
  lookup_address(init_mm, __va(pfn * 4096));
});

const plain = new Uint32Array(1024);
Deno.bench("fill 512 entries: plain typed-array loop", { group: "fill", baseline: true }, () => {
  for (let i = 0; i < 512; i++) {
    plain[2 * i] = (i << 12) | 0x63;
    plain[2 * i + 1] = 0x80000000;
  }
});

Deno.bench("fill 512 entries: table() view with entryLo/entryHi", { group: "fill" }, () => {
  const words = mem.table(5);
  for (let i = 0; i < 512; i++) {
    words[2 * i] = entryLo(i, PAGE_KERNEL);
    words[2 * i + 1] = entryHi(i, PAGE_KERNEL);
  }
});

Deno.bench("fill 512 entries: write() of makeEntry()", { group: "fill" }, () => {
  for (let i = 0; i < 512; i++) mem.write(6, i, makeEntry(i, PAGE_KERNEL));
});
