/**
 * The paravirt MMU operations (`pv_mmu_ops` and `x86_init.mapping`): the calls through which
 * early boot changes page tables, so that a hypervisor can stand behind each one. The native
 * implementation writes memory; the Xen one is in `xen/guest/`.
 *
 * @module
 */

import { entryHi, entryLo } from "../mmu/mod.ts";
import type { IdtGate } from "./early_trap_init.ts";
import type { BootEvent, Kernel, TableAlias } from "./kernel.ts";
import { memblock_x86_reserve_range } from "./memblock_x86.ts";

/**
 * A generator of boot events: how every step that may make a hypercall is written. A step yields
 * an event only while `k.events` is true (see `Kernel.events`).
 */
export type BootStep<T = void> = Generator<BootEvent, T, void>;

/**
 * The operations early boot calls. Entry values arrive as the hardware holds them (built with
 * {@linkcode pfn_pte}, which puts the machine frame in).
 */
export interface PvMmuOps {
  /** `native` or `xen`. */
  readonly name: "native" | "xen";
  /** `set_pte(ptep, pte)`: one PTE store, called for every entry, so it yields no events. */
  set_pte(k: Kernel, table: TableAlias, index: number, lo: number, hi: number): void;
  /**
   * `set_pte(ptep + j, pfn_pte(pfn + j, prot))` for `j` from 0 to `count - 1`, in that order:
   * `phys_pte_init`'s loop over a run of empty entries. The result is exactly that of the single
   * stores; it exists so that the loop that runs once per page of memory stays one tight loop.
   */
  set_ptes(
    k: Kernel,
    table: TableAlias,
    index: number,
    count: number,
    pfn: number,
    flags: number,
  ): void;
  /** `pte_clear(&init_mm, va, ptep)` of a fixmap slot, as `early_iounmap` does it. */
  pte_clear(k: Kernel, va: number, bmIndex: number): BootStep;
  /** `set_pmd(pmdp, pmd)`. */
  set_pmd(k: Kernel, table: TableAlias, index: number, lo: number, hi: number): BootStep;
  /** `set_pud(pudp, pud)`. */
  set_pud(k: Kernel, table: TableAlias, index: number, lo: number, hi: number): BootStep;
  /** `set_pgd(pgdp, pgd)`. */
  set_pgd(k: Kernel, table: TableAlias, index: number, lo: number, hi: number): BootStep;
  /** `paravirt_alloc_pte(mm, pfn)`: a new pte page is about to be hooked in. */
  alloc_pte(k: Kernel, pfn: number): BootStep;
  /** `paravirt_alloc_pmd(mm, pfn)`: a new pmd page is about to be hooked in. */
  alloc_pmd(k: Kernel, pfn: number): BootStep;
  /** `paravirt_alloc_pud(mm, pfn)`: a new pud page is about to be hooked in. */
  alloc_pud(k: Kernel, pfn: number): BootStep;
  /** `x86_init.mapping.pagetable_reserve(start, end)` (2.6.39; byte addresses). */
  pagetable_reserve(k: Kernel, start: number, end: number): BootStep;
  /**
   * `load_idt(&idt_descr)` with these gates set (`pv_cpu_ops.load_idt`, the one CPU operation
   * early boot needs here): on bare metal an `lidt`, under Xen a trap table for Xen.
   */
  load_idt(k: Kernel, gates: readonly IdtGate[]): BootStep;
  /**
   * `read_cr2()` (`pv_mmu_ops.read_cr2`): the faulting address, as the page-fault handler reads
   * it. Natively the CPU register; under Xen whatever `xen_vcpu` holds.
   */
  read_cr2(k: Kernel): number;
  /**
   * `write_idt_entry` of one gate into the loaded IDT (`pv_cpu_ops.write_idt_entry`): under Xen
   * the gate goes to Xen as a one-entry trap table.
   */
  write_idt_entry(k: Kernel, gate: IdtGate): BootStep;
}

/**
 * `massage_pgprot(pgprot)`: a present protection loses the bits `__supported_pte_mask` clears (G
 * under Xen PV); a not-present one is kept as it is.
 *
 * @param k The kernel.
 * @param flags A flags word.
 * @returns The flags the entry gets.
 */
export function massage_pgprot(k: Kernel, flags: number): number {
  return (flags & 1) !== 0 ? (flags & k.__supported_pte_mask) >>> 0 : flags;
}

/**
 * `pfn_pte(pfn, prot)` (and `__pmd`, `__pud`, `__pgd` of a table's pfn): the entry value, with
 * the machine frame in it. A pfn without a machine frame (a ballooned-out page under Xen) gives
 * an empty entry, as `pte_pfn_to_mfn` makes it.
 *
 * @param k The kernel.
 * @param pfn The page.
 * @param flags A flags word.
 * @returns The entry's halves.
 */
export function pfn_pte(k: Kernel, pfn: number, flags: number): { lo: number; hi: number } {
  flags = massage_pgprot(k, flags);
  const mfn = k.pfn_to_mfn(pfn);
  return mfn < 0 ? { lo: 0, hi: 0 } : { lo: entryLo(mfn, flags), hi: entryHi(mfn, flags) };
}

/** Store an entry into a table page through memory, as a CPU store does on bare metal. */
function store(k: Kernel, table: TableAlias, index: number, lo: number, hi: number): void {
  const words = table.words ?? k.mem.table(table.mfn);
  words[2 * index] = lo;
  words[2 * index + 1] = hi;
}

/** `native_pagetable_reserve`: reserve the used part of the window in memblock, "PGTABLE". */
export function native_pagetable_reserve(k: Kernel, start: number, end: number): void {
  memblock_x86_reserve_range(k.memory.memblock, start, end, "PGTABLE");
}

/**
 * The native operations: plain stores, no hooks. With them the same boot code runs as on bare
 * metal (with 4 KiB pages, so that a native run and a Xen run differ only in the MMU rules).
 */
export const native_pv_mmu_ops: PvMmuOps = {
  name: "native",
  set_pte: store,
  set_ptes(k, table, index, count, pfn, flags) {
    const words = table.words ?? k.mem.table(table.mfn);
    if (pfn < 0 || pfn + count > 0x7fffffff) {
      for (let j = 0; j < count; j++) {
        words[2 * (index + j)] = entryLo(pfn + j, flags);
        words[2 * (index + j) + 1] = entryHi(pfn + j, flags);
      }
      return;
    }
    // entryLo / entryHi in int32 arithmetic (a Uint32Array stores the same 32 bits): this loop
    // runs once per page of memory
    const low = flags & 0xfff;
    const nx = (flags & 0x80000000) !== 0 ? 0x80000000 | 0 : 0;
    for (let j = 0, p = pfn, w = 2 * index; j < count; j++, p++, w += 2) {
      words[w] = ((p & 0xfffff) << 12) | low;
      words[w + 1] = (p >>> 20) | nx;
    }
  },
  // deno-lint-ignore require-yield -- bare metal has no hypercall to report
  *pte_clear(k, _va, bmIndex) {
    const words = k.mem.table(k.pfn_to_mfn(k.bm_pte));
    words[2 * bmIndex] = 0;
    words[2 * bmIndex + 1] = 0;
  },
  // deno-lint-ignore require-yield -- bare metal has no hypercall to report
  *set_pmd(k, table, index, lo, hi) {
    store(k, table, index, lo, hi);
  },
  // deno-lint-ignore require-yield -- bare metal has no hypercall to report
  *set_pud(k, table, index, lo, hi) {
    store(k, table, index, lo, hi);
  },
  // deno-lint-ignore require-yield -- bare metal has no hypercall to report
  *set_pgd(k, table, index, lo, hi) {
    store(k, table, index, lo, hi);
  },
  *alloc_pte() {},
  *alloc_pmd() {},
  *alloc_pud() {},
  // deno-lint-ignore require-yield -- bare metal has no hypercall to report
  *pagetable_reserve(k, start, end) {
    native_pagetable_reserve(k, start, end);
  },
  // the model keeps no IDT for bare metal: nothing on it raises an exception it must route
  *load_idt() {},
  *write_idt_entry() {},
  read_cr2: (k) => k.cpu_cr2,
};
