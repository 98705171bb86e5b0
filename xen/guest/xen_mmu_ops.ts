/**
 * Linux's Xen PV MMU operations for early boot (Linux 2.6.38 / 2.6.39 `arch/x86/xen/mmu.c`):
 * `xen_set_pte_init` with `mask_rw_pte`, `xen_set_pmd_hyper` and friends, the alloc hooks
 * `xen_alloc_pte_init` / `xen_alloc_pmd_init`, `make_lowmem_page_readonly` / `readwrite`,
 * `pin_pagetable_pfn`, and `xen_mapping_pagetable_reserve`. The guest reaches Xen only through
 * hypercalls, and each one is yielded as a boot event.
 *
 * @module
 */

import type { BootStep, PvMmuOps } from "../../boot/paravirt.ts";
import { native_pagetable_reserve } from "../../boot/paravirt.ts";
import { KernelBug, KernelOops } from "../../boot/kernel_fault.ts";
import { type Kernel, makeAlias, type TableAlias } from "../../boot/kernel.ts";
import { printkHex } from "../../boot/printk.ts";
import { xen_load_idt, xen_write_idt_entry } from "./xen_load_idt.ts";
import {
  __va,
  _PAGE_RW,
  entryFrame,
  entryHi,
  entryLo,
  lookup_address,
  PAGE_SIZE,
} from "../../mmu/mod.ts";
import {
  do_mmu_update,
  do_mmuext_op,
  do_update_va_mapping,
  guestWrite,
  MMUEXT_PIN_L1_TABLE,
  type Xen,
} from "../hypervisor/mod.ts";

function xenOf(k: Kernel): Xen {
  if (k.xen === null) throw new Error("The Xen MMU operations need a Xen hypervisor");
  return k.xen;
}

/**
 * `mask_rw_pte(ptep, pte)` for 64-bit: the read-only rule for the pages of the window, with the
 * profile's clauses. The direct-map clause write-protects a pte (not in `bm_pte`) for a pfn of
 * the window: `[start, end)` in 2.6.38, `[start, top)` in 2.6.39. The fixmap clause (2.6.39)
 * write-protects every `bm_pte` entry except the one for `pgt_buf_end - 1`, the page just
 * handed out. `pfn` is the pseudo-physical frame the pte maps (`pte_pfn` goes through M2P).
 *
 * @param k The kernel.
 * @param inBmPte Whether the pte is in `bm_pte` (`is_early_ioremap_ptep`).
 * @param lo The new pte's low half.
 * @param hi The new pte's high half.
 * @returns The low half, with RW cleared when the rule says so.
 */
export function mask_rw_pte(k: Kernel, inBmPte: boolean, lo: number, hi: number): number {
  if ((lo | hi) === 0) return lo;
  const pfn = k.mfn_to_pfn(entryFrame(lo, hi));
  const { start, end, top } = k.pgt_buf;
  const rules = k.rules;
  if (!inBmPte) {
    const limit = rules.maskRwDirect === "top" ? top : rules.maskRwDirect === "end" ? end : start;
    if (pfn >= start && pfn < limit) return (lo & ~_PAGE_RW) >>> 0;
  } else if (rules.maskRwFixmap && pfn !== end - 1) {
    return (lo & ~_PAGE_RW) >>> 0;
  }
  return lo;
}

/**
 * `xen_set_pte_init`: `mask_rw_pte`, then `xen_set_pte`, which is a plain store. Through a
 * writable mapping it just happens; into a read-only L1 Xen emulates it (and may refuse it, which
 * the kernel sees as a page fault it cannot handle).
 */
function xen_set_pte_init(k: Kernel, table: TableAlias, index: number, lo: number, hi: number) {
  const masked = mask_rw_pte(k, table.pfn === k.bm_pte, lo, hi);
  if (table.words !== null) {
    table.words[2 * index] = masked;
    table.words[2 * index + 1] = hi;
    return;
  }
  const va = table.va + 8 * index;
  const r = guestWrite(xenOf(k), va, { lo: masked, hi });
  if (r.kind !== "fault") {
    if (r.kind === "emulated") k.stats.emulatedStores++;
    return;
  }
  throw new KernelOops(va, 3, `set_pte: ${r.detail}`);
}

/**
 * `xen_set_pte_init` over a run of new ptes, as {@linkcode PvMmuOps.set_ptes} describes: the same
 * `mask_rw_pte` decision per pte (the window cannot change while `phys_pte_init` runs, so its
 * bounds are read once) and the same stores.
 */
function xen_set_ptes_init(
  k: Kernel,
  table: TableAlias,
  index: number,
  count: number,
  pfn: number,
  flags: number,
) {
  const words = table.words;
  if (words === null || table.pfn === k.bm_pte) {
    for (let j = 0; j < count; j++) {
      const mfn = k.pfn_to_mfn(pfn + j);
      const lo = mfn < 0 ? 0 : entryLo(mfn, flags);
      xen_set_pte_init(k, table, index + j, lo, mfn < 0 ? 0 : entryHi(mfn, flags));
    }
    return;
  }
  const { start, end, top } = k.pgt_buf;
  const rule = k.rules.maskRwDirect;
  const roEnd = rule === "top" ? top : rule === "end" ? end : start;
  const p2m = k.p2m!;
  const limit = k.p2mLimit;
  // int32 arithmetic throughout (a Uint32Array stores the same 32 bits): no doubles in the loop
  const low = flags & 0xfff;
  const nx = (flags & 0x80000000) !== 0 ? 0x80000000 | 0 : 0;
  for (let j = 0; j < count; j++) {
    const p = pfn + j;
    const w = 2 * (index + j);
    if (p >= limit) {
      words[w] = 0; // no machine frame: pte_pfn_to_mfn gives an empty pte
      words[w + 1] = 0;
      continue;
    }
    const mfn = p2m[p]; // entryLo / entryHi, inline: p2m frames fit in 32 bits
    const lo = ((mfn & 0xfffff) << 12) | low;
    words[w] = p >= start && p < roEnd ? lo & NOT_RW : lo;
    words[w + 1] = (mfn >>> 20) | nx;
  }
}

/**
 * `~_PAGE_RW` as this module's own constant: V8 folds it into the loop above, where an imported
 * constant is read from its binding once per entry.
 */
const NOT_RW = ~_PAGE_RW;

/** The machine address of an entry (`arbitrary_virt_to_machine` of the kernel's pointer). */
function machineAddress(table: TableAlias, index: number): number {
  return table.mfn * PAGE_SIZE + index * 8;
}

/** One `mmu_update` (what `xen_set_pmd_hyper` and friends do, one request in a multicall). */
function* mmu_update(k: Kernel, table: TableAlias, index: number, lo: number, hi: number) {
  const ptr = machineAddress(table, index);
  const rc = do_mmu_update(xenOf(k), [{ ptr, val: { lo, hi } }]);
  k.stats.hypercalls++;
  if (k.events) yield { kind: "hypercall" as const, call: "mmu_update", rc, args: { ptr, lo, hi } };
  // A failed request inside a multicall batch is not fatal: xen_mc_flush ends in WARN_ON(ret).
  // The model counts the warning; it does not print the WARN's text, whose line it has not read.
  if (rc !== 0) k.stats.warnings++;
}

/**
 * `make_lowmem_page_readonly(vaddr)`: find the page's pte with `lookup_address` and clear its RW
 * bit with `update_va_mapping`. When `lookup_address` finds nothing it returns silently (2.6.37
 * and later: "vaddr missing").
 *
 * @param k The kernel.
 * @param pfn The page.
 * @param rw True for `make_lowmem_page_readwrite`.
 * @returns Nothing; yields the hypercall.
 */
export function* make_lowmem_page_readonly(k: Kernel, pfn: number, rw = false): BootStep {
  const va = __va(pfn * PAGE_SIZE);
  const { pte } = lookup_address(k.init_mm, va);
  if (pte === null) return;
  const e = k.mem.read(pte.table, pte.index);
  const lo = rw ? (e.lo | _PAGE_RW) >>> 0 : (e.lo & ~_PAGE_RW) >>> 0;
  const rc = do_update_va_mapping(xenOf(k), va, { lo, hi: e.hi }, 0);
  k.stats.hypercalls++;
  if (k.events) {
    yield { kind: "hypercall", call: "update_va_mapping", rc, args: { va, lo, hi: e.hi } };
  }
  if (rc !== 0) {
    const fn = `make_lowmem_page_${rw ? "readwrite" : "readonly"}`;
    throw new KernelBug(
      `arch/x86/xen/mmu.c (${fn}; line not verified)`,
      `${fn} of pfn 0x${pfn.toString(16)}`,
    );
  }
}

/**
 * `pin_pagetable_pfn(cmd, pfn)`: one `mmuext_op`; any failure is a `BUG()`.
 *
 * @param k The kernel.
 * @param cmd `MMUEXT_PIN_L1_TABLE` .. or `MMUEXT_UNPIN_TABLE`.
 * @param pfn The page.
 * @returns Nothing; yields the hypercall.
 * @throws {KernelBug} The `BUG()` at `arch/x86/xen/mmu.c:1535` (2.6.39) when Xen refuses.
 */
export function* pin_pagetable_pfn(k: Kernel, cmd: number, pfn: number): BootStep {
  const mfn = k.pfn_to_mfn(pfn);
  const rc = do_mmuext_op(xenOf(k), [{ cmd, mfn }]);
  k.stats.hypercalls++;
  if (k.events) yield { kind: "hypercall", call: "mmuext_op", rc, args: { cmd, mfn } };
  if (rc !== 0) {
    throw new KernelBug(
      `arch/x86/xen/mmu.c:${k.rules.pinBugLine}`,
      `pin_pagetable_pfn of pfn 0x${pfn.toString(16)}`,
    );
  }
}

/** The Xen operations of early boot (`xen_init_mmu_ops`, before `xen_post_allocator_init`). */
export const xen_pv_mmu_ops: PvMmuOps = {
  name: "xen",
  set_pte: xen_set_pte_init,
  set_ptes: xen_set_ptes_init,
  *pte_clear(k, va, bmIndex) {
    // pte_clear on init_mm -> xen_set_pte_at -> update_va_mapping(addr, 0); if that fails,
    // xen_set_pte_at falls back to a plain store into bm_pte, which Xen emulates
    const rc = do_update_va_mapping(xenOf(k), va, { lo: 0, hi: 0 }, 0);
    k.stats.hypercalls++;
    if (k.events) {
      yield { kind: "hypercall", call: "update_va_mapping", rc, args: { va, lo: 0, hi: 0 } };
    }
    if (rc !== 0) {
      const bm = makeAlias(k, k.bm_pte, k.bmPteVa, -1);
      xen_set_pte_init(k, bm, bmIndex, 0, 0);
    }
  },
  set_pmd: mmu_update, // xen_set_pmd_hyper
  set_pud: mmu_update, // xen_set_pud_hyper
  set_pgd: mmu_update, // xen_set_pgd_hyper
  *alloc_pte(k, pfn) {
    // xen_alloc_pte_init: "Early in boot ... assume everything is pinned"
    if (k.events) yield { kind: "pv_alloc", hook: "alloc_pte", pfn };
    yield* make_lowmem_page_readonly(k, pfn);
    yield* pin_pagetable_pfn(k, MMUEXT_PIN_L1_TABLE, pfn);
  },
  *alloc_pmd(k, pfn) {
    // xen_alloc_pmd_init: read-only only; the page becomes a table when it is hooked in
    if (k.events) yield { kind: "pv_alloc", hook: "alloc_pmd", pfn };
    yield* make_lowmem_page_readonly(k, pfn);
  },
  *alloc_pud(k, pfn) {
    if (k.events) yield { kind: "pv_alloc", hook: "alloc_pud", pfn };
    yield* make_lowmem_page_readonly(k, pfn);
  },
  *pagetable_reserve(k, start, end) {
    // xen_mapping_pagetable_reserve (279b706b): reserve the used part, hand [end, top) back RW
    native_pagetable_reserve(k, start, end);
    const top = k.pgt_buf.top * PAGE_SIZE;
    k.log.push(`xen: setting RW the range ${printkHex(end)} - ${printkHex(top)}`);
    if (k.events) yield { kind: "printk", line: k.log[k.log.length - 1] };
    for (let addr = end; addr < top; addr += PAGE_SIZE) {
      yield* make_lowmem_page_readonly(k, addr / PAGE_SIZE, true);
    }
  },
  load_idt: xen_load_idt,
  write_idt_entry: xen_write_idt_entry,
  read_cr2: xen_read_cr2,
};

/**
 * `xen_read_cr2`: `xen_vcpu->arch.cr2`. Early in boot `xen_vcpu` still points into
 * `xen_dummy_shared_info`, so this reads 0 whatever address faulted: Xen stored the real one in
 * the real shared page, which the guest is not looking at yet.
 *
 * @param k The kernel.
 * @returns The address the guest believes faulted.
 */
export function xen_read_cr2(k: Kernel): number {
  return k.xen_vcpu!.arch.cr2;
}
