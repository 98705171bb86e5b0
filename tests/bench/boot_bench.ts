// A 64 GiB Xen PV boot of 2.6.39 against the cheapest possible stand-in: a plain loop writing the
// same number of 8-byte entries (one per 4 KiB page of 64 GiB) as two 32-bit halves. DESIGN §6
// asks for the boot to cost at most 10x the loop. Run with `deno task bench`.
import { boot } from "../../mod.ts";

const GiB = 1024 * 1024 * 1024;
const ENTRIES = (64 * GiB) / 4096; // 16M ptes

const words = new Uint32Array(2 * 512 * 1024); // 512 pte pages at a time, reused
Deno.bench("64 GiB: plain loop, 16M entries as two halves", {
  group: "64GiB",
  baseline: true,
  n: 3,
  warmup: 1,
}, () => {
  let pfn = 0;
  for (let done = 0; done < ENTRIES; done += 512 * 512) {
    for (let i = 0; i < 512 * 512; i++, pfn++) {
      words[2 * i] = ((pfn & 0xfffff) << 12 | 0x063) >>> 0;
      words[2 * i + 1] = Math.floor(pfn / 0x100000) | 0x80000000;
    }
  }
});

Deno.bench("64 GiB: 2.6.39 Xen PV boot, full validation", {
  group: "64GiB",
  n: 3,
  warmup: 1,
}, () => {
  const r = boot({ kernel: "2.6.39", memory: 64 * GiB });
  if (r.outcome !== "ok") throw new Error(`64 GiB boot: ${r.outcome}`);
});

Deno.bench("64 GiB: 2.6.39 native boot", { n: 3, warmup: 1 }, () => {
  boot({ kernel: "2.6.39", memory: 64 * GiB, hypervisor: "native" });
});

// Scale (DESIGN §6): one iteration each, with the peak memory printed after the run.
function report(name: string): void {
  console.log(`${name}: rss ${(Deno.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`);
}

Deno.bench("1 TiB: 2.6.39 native boot", { n: 1, warmup: 0 }, () => {
  const r = boot({ kernel: "2.6.39", memory: 1024 * GiB, hypervisor: "native" });
  if (r.outcome !== "ok") throw new Error(`1 TiB boot: ${r.outcome}`);
  report("1 TiB 2.6.39 native");
});

Deno.bench("1 TiB: 3.9 native boot", { n: 1, warmup: 0 }, () => {
  const r = boot({ kernel: "3.9", memory: 1024 * GiB, hypervisor: "native" });
  if (r.outcome !== "ok") throw new Error(`1 TiB boot: ${r.outcome}`);
  report("1 TiB 3.9 native");
});

Deno.bench("128 GiB (MAX_DOMAIN_PAGES): 2.6.39 Xen PV boot", { n: 1, warmup: 0 }, () => {
  const r = boot({ kernel: "2.6.39", memory: 128 * GiB });
  if (r.outcome !== "ok") throw new Error(`128 GiB boot: ${r.outcome}`);
  report("128 GiB 2.6.39 Xen");
});
