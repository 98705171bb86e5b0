/**
 * The state of the modelled Linux kernel during early boot: the machine it runs on, its own page
 * tables (`init_mm`), the page-table window, the fixmap slots of `early_memremap`, memblock, the
 * log, and the paravirt operations (native or Xen) through which it changes page tables.
 *
 * @module
 */

import {
  canWrite,
  entryFrame,
  type MmStruct,
  PAGE_SIZE,
  type PageTableMemory,
} from "../mmu/mod.ts";
import type { Xen } from "../xen/hypervisor/xen.ts";
import type { E820Map } from "./e820.ts";
import type { PgtBuf } from "./find_early_table_space.ts";
import type { Memblock } from "./memblock.ts";
import type { PvMmuOps } from "./paravirt.ts";
import type { MappingRules } from "./profiles.ts";

/**
 * How the kernel reaches a table page it is writing: the page, and the virtual address it writes
 * through (a fixmap slot of `early_memremap`, its direct-map address, or a kernel symbol).
 */
export interface TableAlias {
  /** The table page's pfn. */
  readonly pfn: number;
  /** Its machine frame (the pfn itself on native). */
  readonly mfn: number;
  /** The 48-bit virtual address the kernel writes through. */
  readonly va: number;
  /** Whether that mapping lets a plain store through (checked by walking CR3 when made). */
  readonly writable: boolean;
  /** The `early_memremap` slot of a fixmap alias, -1 for any other mapping. */
  readonly slot: number;
  /** The page's words when the alias is writable (so stores skip the lookup), else null. */
  readonly words: Uint32Array | null;
}

/** Something the boot did that a reader may pause at, trace, or count. */
export type BootEvent =
  | { readonly kind: "printk"; readonly line: string }
  | { readonly kind: "init_memory_mapping"; readonly start: number; readonly end: number }
  | { readonly kind: "alloc_low_page"; readonly pfn: number }
  | { readonly kind: "map_low_page"; readonly pfn: number }
  | {
    readonly kind: "pv_alloc";
    readonly hook: "alloc_pte" | "alloc_pmd" | "alloc_pud";
    readonly pfn: number;
  }
  | {
    readonly kind: "hypercall";
    readonly call: string;
    readonly rc: number;
    /**
     * The request, as far as a trace shows it: `ptr` and `lo`/`hi` (the new entry) for
     * `mmu_update`; `va` and `lo`/`hi` for `update_va_mapping`; `cmd` and `mfn` for `mmuext_op`.
     */
    readonly args?: HypercallArgs;
  }
  | { readonly kind: "reserve"; readonly start: number; readonly end: number }
  | { readonly kind: "chunk"; readonly start: number; readonly end: number }
  | { readonly kind: "early_alloc"; readonly pfn: number };

/** The arguments of a traced hypercall (numbers only, so tracing costs no formatting). */
export interface HypercallArgs {
  /** `mmu_update`: the machine address of the entry. */
  readonly ptr?: number;
  /** `update_va_mapping`: the 48-bit virtual address. */
  readonly va?: number;
  /** The new entry's low half. */
  readonly lo?: number;
  /** The new entry's high half. */
  readonly hi?: number;
  /** `mmuext_op`: the `MMUEXT_*` command. */
  readonly cmd?: number;
  /** `mmuext_op`: the machine frame. */
  readonly mfn?: number;
}

/** What a boot counts. */
export interface BootStats {
  /**
   * Pages Linux took for page tables during the boot: from the windows, and the
   * `level1_ident_pgt` pages extended from BRK (the kernel image's static tables not counted).
   */
  tablePages: number;
  /** Hypercalls made (each `mmu_update`, `update_va_mapping`, `mmuext_op` call). */
  hypercalls: number;
  /** Plain stores into read-only L1 pages that Xen emulated. */
  emulatedStores: number;
  /** `WARN`s printed. */
  warnings: number;
}

/** The kernel's memory picture at the start of `init_memory_mapping` (from `setupDomUMemory`). */
export interface KernelMemory {
  /** The e820 map. */
  readonly e820: E820Map;
  /** memblock. */
  readonly memblock: Memblock;
  /** `max_pfn`. */
  readonly maxPfn: number;
  /** `max_low_pfn`. */
  readonly maxLowPfn: number;
}

/** The modelled kernel. Fields named as in Linux are Linux's globals. */
export interface Kernel {
  /** The rules of the profile that runs. */
  readonly rules: MappingRules;
  /** Machine memory (indexed by mfn; by pfn on native, where they are the same). */
  readonly mem: PageTableMemory;
  /** The hypervisor, or null on bare metal. */
  readonly xen: Xen | null;
  /** The paravirt MMU operations in use. */
  pv: PvMmuOps;
  /** e820, memblock, `max_pfn`, `max_low_pfn`. */
  readonly memory: KernelMemory;
  /** `max_pfn_mapped`. */
  max_pfn_mapped: number;
  /** `min_pfn_mapped` (3.9): the lowest pfn of the memory mapped top-down so far. */
  min_pfn_mapped: number;
  /** `can_use_brk_pgt` (3.9): whether `alloc_low_pages` may take from the BRK seed. */
  can_use_brk_pgt: boolean;
  /** The page-table window of the current `init_memory_mapping` call (pfns). */
  pgt_buf: PgtBuf;
  /** Every window used, in call order (as it was at the end of its call, or at the failure). */
  readonly windows: PgtBuf[];
  /**
   * The mapping front: the end (a byte address) of the last 2 MiB chunk whose ptes
   * `phys_pte_init` has written in the current call.
   */
  front: number;
  /** The pfn of `init_level4_pgt` (`swapper_pg_dir`). */
  readonly init_level4_pgt: number;
  /** `init_mm`: what `lookup_address` walks (its pgd is a machine frame). */
  readonly init_mm: MmStruct;
  /** The pfn of `bm_pte`, the L1 behind the `early_memremap` slots. */
  readonly bm_pte: number;
  /** The 48-bit virtual address of `bm_pte` itself (a kernel symbol). */
  readonly bmPteVa: number;
  /**
   * Which pfn each of the 4 `early_memremap` slots maps, -1 when free. Float64, not Int32: a
   * machine of 8 TiB or more has pfns from 2^31 up, which an Int32Array would wrap.
   */
  readonly fixmapSlots: Float64Array;
  /** `after_bootmem`: false during all of early boot. */
  after_bootmem: boolean;
  /** The kernel log, one printk line each. */
  readonly log: string[];
  /** Counters. */
  readonly stats: BootStats;
  /** The P2M Linux reads (null on bare metal); pfns from `p2mLimit` up have no machine frame. */
  readonly p2m: Uint32Array | null;
  /** The first pfn without a machine frame for Linux (`max_pfn` under Xen). */
  readonly p2mLimit: number;
  /** pfn to machine frame (`pfn_to_mfn`); -1 when the pfn has no frame. */
  pfn_to_mfn(pfn: number): number;
  /** machine frame to pfn (`mfn_to_pfn`). */
  mfn_to_pfn(mfn: number): number;
  /** The machine frame in CR3. */
  cr3(): number;
  /**
   * `__supported_pte_mask`, as a flags word: the bits `pfn_pte` keeps of a present entry's
   * protection (`massage_pgprot`). Natively every bit; `xen_start_kernel` clears `_PAGE_GLOBAL`
   * and, in a domU, `_PAGE_PWT | _PAGE_PCD`.
   */
  readonly __supported_pte_mask: number;
  /** The CPU's cr2 register, which a page fault sets (read as such only natively). */
  cpu_cr2: number;
  /**
   * Under Xen, the `vcpu_info` the percpu pointer `xen_vcpu` points at: vCPU 0's entry in
   * `xen_dummy_shared_info`, a zeroed page in the kernel image, which Xen never writes, until the
   * real shared page is mapped (`xen_pagetable_setup_done`, after `paging_init`) and `xen_vcpu`
   * re-pointed at it (`xen_setup_vcpu_info_placement`; in an SMP kernel from
   * `xen_smp_prepare_boot_cpu`, later still). The modelled boot ends before either. Null
   * natively.
   */
  xen_vcpu: { readonly arch: { cr2: number } } | null;
  /** `panic_notifier_list`: what `panic()` calls after printing its line. */
  readonly panic_notifier_list: Array<(k: Kernel) => void>;
  /**
   * Whether anyone reads the boot's events (model state, not the kernel's). An event changes
   * nothing: every step yields its event only when this is true, and `BootMachine.finish` with
   * no tracer sets it false while it runs the boot to its end, which spares the event objects
   * and their trip up the generator chain (about a tenth of a big boot's time).
   */
  events: boolean;
}

/**
 * The pfn an entry points to, as Linux reads it (`pte_pfn` and friends go through `mfn_to_pfn`
 * under Xen).
 *
 * @param k The kernel.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @returns The pfn.
 */
export function entryPfn(k: Kernel, lo: number, hi: number): number {
  return k.mfn_to_pfn(entryFrame(lo, hi));
}

/**
 * Make an alias record for a table page reached at `va`, finding out by a walk from CR3 whether
 * a plain store through `va` is allowed.
 *
 * @param k The kernel.
 * @param pfn The table page.
 * @param va The virtual address the kernel uses.
 * @param slot The fixmap slot, or -1.
 * @returns The alias.
 */
export function makeAlias(k: Kernel, pfn: number, va: number, slot: number): TableAlias {
  const writable = canWrite(k.mem, k.cr3() * PAGE_SIZE, va);
  const mfn = k.pfn_to_mfn(pfn);
  return { pfn, mfn, va, writable, slot, words: writable ? k.mem.table(mfn) : null };
}
