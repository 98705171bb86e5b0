// The bulk path of xen_set_pte_init (set_ptes, one tight loop over a run of ptes) and the single
// pte path (mask_rw_pte on each pte) must write the same words, for every rule of every profile
// and wherever the window sits relative to the run.
import assert from "node:assert/strict";
import fc from "fast-check";
import { BootMachine, entryHi, entryLo, mask_rw_pte, xen_pv_mmu_ops } from "../../mod.ts";
import type { Kernel, TableAlias } from "../../boot/kernel.ts";

Deno.test("set_ptes under Xen agrees with mask_rw_pte pte by pte", () => {
  const machine = new BootMachine({ kernel: "2.6.39", memory: 64 * 2 ** 20 });
  const base = machine.kernel;
  const pages = 64 * 256;
  fc.assert(
    fc.property(
      fc.constantFrom("none", "end", "top" as const),
      fc.integer({ min: 0, max: pages - 1 }), // start
      fc.integer({ min: 0, max: 40 }), // end - start
      fc.integer({ min: 0, max: 40 }), // top - end
      // the run's first pfn: around the window's edges mostly, anywhere (past the p2m too) else
      fc.oneof(fc.integer({ min: -70, max: 90 }), fc.integer({ min: -pages, max: pages + 20 })),
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom(0x063, 0x061, 0x163, 0x80000063),
      (rule, start, used, spare, offset, count, flags) => {
        const pfn = Math.max(0, Math.min(pages + 20, start + offset));
        const k: Kernel = {
          ...base,
          rules: { ...base.rules, maskRwDirect: rule as "none" | "end" | "top" },
          pgt_buf: { start, end: start + used, top: start + used + spare },
          p2mLimit: pages,
        };
        const words = new Uint32Array(1024);
        const table: TableAlias = {
          pfn: 100,
          mfn: k.pfn_to_mfn(100),
          va: 0,
          writable: true,
          slot: -1,
          words,
        };
        const index = 512 - count;
        xen_pv_mmu_ops.set_ptes(k, table, index, count, pfn, flags);
        for (let j = 0; j < count; j++) {
          const p = pfn + j;
          const mfn = p < pages ? k.p2m![p] : -1;
          const lo = mfn < 0 ? 0 : entryLo(mfn, flags);
          const hi = mfn < 0 ? 0 : entryHi(mfn, flags);
          assert.equal(words[2 * (index + j)], mask_rw_pte(k, false, lo, hi), `pfn ${p}`);
          assert.equal(words[2 * (index + j) + 1], hi, `pfn ${p}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
