/**
 * `boot(options)`: one whole early boot of a 64-bit PV domU (or of the same machine on bare
 * metal), from the domain builder's start of day to just after `init_memory_mapping`; and
 * {@linkcode BootMachine}, the same boot paused at any event, inspected, and resumed.
 *
 * @module
 */

import {
  __va,
  entryFlags,
  entryHi,
  entryLo,
  findEntries,
  PAGE_SIZE,
  PageTableMemory,
  walk,
} from "../mmu/mod.ts";
import { buildPvDomain } from "../xen/hypervisor/build_pv_domain.ts";
import { do_guest_trap, propagate_page_fault } from "../xen/hypervisor/do_guest_trap.ts";
import { TRAP_invalid_op } from "../xen/hypervisor/do_set_trap_table.ts";
import { type Mapping, whoMaps } from "../xen/hypervisor/who_maps.ts";
import { INVALID_M2P_ENTRY, type Xen } from "../xen/hypervisor/xen.ts";
import { type StartOfDayLayout, startOfDayLayout } from "../xen/hypervisor/start_of_day_layout.ts";
import { MAX_DOMAIN_PAGES } from "./xen_memory_setup.ts";
import { xen_pv_mmu_ops } from "../xen/guest/xen_mmu_ops.ts";
import type { PgtBuf } from "./find_early_table_space.ts";
import { initMemoryMappingCalls } from "./init_memory_mapping_calls.ts";
import { init_memory_mapping } from "./init_memory_mapping.ts";
import { init_mem_mapping } from "./init_mem_mapping.ts";
import { early_trap_init, early_trap_pf_init } from "./early_trap_init.ts";
import { KernelBug, KernelOops } from "./kernel_fault.ts";
import { KernelPanic } from "./kernel_panic.ts";
import type { BootEvent, BootStats, Kernel } from "./kernel.ts";
import {
  MEMBLOCK_ERROR,
  memblock_find_in_range,
  memblock_find_in_range_node,
  memblock_reserve,
} from "./memblock.ts";
import { memblock_x86_reserve_range } from "./memblock_x86.ts";
import { type BootStep, native_pv_mmu_ops } from "./paravirt.ts";
import { getProfile, type KernelProfile, type MappingRules } from "./profiles.ts";
import { setupDomUMemory } from "./setup_dom_u_memory.ts";
import { KERNEL_TABLES, kernelSymbolVa, setup_kernel_pagetable } from "./setup_kernel_pagetable.ts";

/** What to boot. */
export interface BootOptions {
  /** A kernel profile id: `2.6.38` or `2.6.39` (more arrive with later chapters). */
  kernel: string;
  /** The domain's memory in bytes (`nr_pages` * 4 KiB); a multiple of 4 KiB. */
  memory: number;
  /**
   * `xen` (a PV domU) or `native` (the same memory map and boot code with native paravirt ops).
   * @default {"xen"}
   */
  hypervisor?: "xen" | "native";
  /**
   * How many one-page memblock allocations the kernel makes after the mapping, each written at
   * once (see {@linkcode early_allocations}).
   * @default {16}
   */
  earlyAllocations?: number;
  /**
   * Rules to change on top of the profile's, e.g. `{ maskRwFixmap: false }` to run 2.6.39
   * without the fixmap clause of `mask_rw_pte`.
   */
  rules?: Partial<Pick<MappingRules, "maskRwDirect" | "maskRwFixmap" | "reserve">>;
}

/** How a boot ended. */
export type BootOutcome = "ok" | "bug" | "oops" | "panic";

/** What a boot produced (the fields of `deno task sim --json`, and the machine). */
export interface BootResult {
  /** The profile id. */
  readonly kernel: string;
  /** The memory in bytes. */
  readonly memory: number;
  /** `xen` or `native`. */
  readonly hypervisor: "xen" | "native";
  /** `ok`, or the kind of failure. */
  readonly outcome: BootOutcome;
  /**
   * The lines that report the failure, or null: what the kernel printed, or, when Xen crashed
   * the domain before the kernel could say anything (a `BUG()` before `trap_init`), Xen's
   * crash report (also in `xen_log`).
   */
  readonly panic: string | null;
  /** Xen's console (empty natively). */
  readonly xen_log: readonly string[];
  /** The kernel log. */
  readonly log: readonly string[];
  /** One window per `init_memory_mapping` call that used one, in call order (pfns). */
  readonly pgt_buf: readonly PgtBuf[];
  /** Counters. */
  readonly stats: Readonly<BootStats>;
  /** What the model did that the kernel does not print (e.g. a domU capped at 128 GiB). */
  readonly notes: readonly string[];
}

const DEFAULT_EARLY_ALLOCATIONS = 16;

/**
 * A boot that can stop at any event: run it to a predicate, look at the machine (its kernel, its
 * hypervisor, `lookup_address`, dumps), and go on.
 *
 * @example Stop at the first pte page the Xen hook makes read-only
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 256 * 1024 * 1024 });
 * const e = m.runUntil((e) => e.kind === "pv_alloc" && e.pfn >= m.kernel.pgt_buf.start);
 * assert.equal(e?.kind, "pv_alloc");
 * assert.equal(m.finish().outcome, "ok");
 * ```
 */
export class BootMachine {
  /** The kernel being booted. */
  readonly kernel: Kernel;
  /** The hypervisor, or null natively. */
  readonly xen: Xen | null;
  /** The start-of-day layout the boot began from. */
  readonly layout: StartOfDayLayout;
  /** The profile. */
  readonly profile: KernelProfile;
  readonly #options: Required<BootOptions>;
  readonly #steps: BootStep;
  #outcome: BootOutcome | null = null;
  #notes: string[] = [];
  #panic: string | null = null;

  /**
   * Prepare a boot: build the domain (or the native machine) and the kernel's memory map. Nothing
   * of the boot itself runs until {@linkcode BootMachine.runUntil} or {@linkcode BootMachine.finish}.
   *
   * @param options What to boot.
   * @throws {RangeError} Naming the value and the rule, for an unknown profile or a malformed size.
   */
  constructor(options: BootOptions) {
    this.profile = getProfile(options.kernel);
    const hypervisor = options.hypervisor ?? "xen";
    if (hypervisor !== "xen" && hypervisor !== "native") {
      throw new RangeError(`Hypervisor "${hypervisor}" is not one of: xen, native`);
    }
    const memory = options.memory;
    if (!Number.isSafeInteger(memory) || memory <= 0 || memory % PAGE_SIZE !== 0) {
      throw new RangeError(
        `Memory ${memory} is not a positive whole number of 4 KiB pages (bytes, a multiple of 4096)`,
      );
    }
    const earlyAllocations = options.earlyAllocations ?? DEFAULT_EARLY_ALLOCATIONS;
    if (!Number.isInteger(earlyAllocations) || earlyAllocations < 0) {
      throw new RangeError(`earlyAllocations ${earlyAllocations} is not a whole number >= 0`);
    }
    this.#options = {
      kernel: options.kernel,
      memory,
      hypervisor,
      earlyAllocations,
      rules: options.rules ?? {},
    };
    const rules = { ...this.profile.rules, ...checkRules(options.rules ?? {}) };
    const nrPages = memory / PAGE_SIZE;
    const notes: string[] = [];
    // Bare metal has no MAX_DOMAIN_PAGES and no P2M list; a machine larger than any PV domain
    // the builder can lay out starts from the start-of-day area of the largest one that fits.
    let layoutPages = nrPages;
    if (hypervisor === "native" && !layoutFits(nrPages)) {
      layoutPages = largestLayoutPages();
      notes.push(
        `No PV domain of ${nrPages} pages can be built (its P2M list would not fit the 2 GiB ` +
          `kernel map): the native run starts from the start-of-day area of a ${layoutPages}-page one`,
      );
    }
    if (hypervisor === "xen" && nrPages > MAX_DOMAIN_PAGES) {
      notes.push(
        `Linux caps a domU at MAX_DOMAIN_PAGES (${MAX_DOMAIN_PAGES} pages, 128 GiB): the other ` +
          `${
            nrPages - MAX_DOMAIN_PAGES
          } pages become balloon space above it, mapped with empty ptes`,
      );
    }
    const domU = setupDomUMemory({
      kernel: rules.code,
      memory,
      layoutPages,
      maxDomainPages: hypervisor === "native" ? nrPages : undefined,
    });
    this.layout = domU.layout;
    this.#notes = notes;

    let mem: PageTableMemory;
    let xen: Xen | null = null;
    const xenMaxPfn = domU.xen.memEnd / PAGE_SIZE;
    if (hypervisor === "xen") {
      xen = buildPvDomain({ nrPages }).xen;
      mem = xen.mem;
    } else {
      mem = new PageTableMemory(Math.max(domU.maxPfn, nrPages));
    }
    this.xen = xen;
    const t = KERNEL_TABLES;
    const stats: BootStats = { tablePages: 0, hypercalls: 0, emulatedStores: 0, warnings: 0 };
    const k: Kernel = {
      rules,
      mem,
      xen,
      pv: xen === null ? native_pv_mmu_ops : xen_pv_mmu_ops,
      memory: domU,
      max_pfn_mapped: domU.maxPfnMapped,
      min_pfn_mapped: 0,
      can_use_brk_pgt: true,
      pgt_buf: { start: 0, end: 0, top: 0 },
      windows: [],
      front: 0,
      init_level4_pgt: t.init_level4_pgt,
      init_mm: { mem, pgd: xen === null ? t.init_level4_pgt : xen.pfnToMfn(t.init_level4_pgt) },
      bm_pte: t.bm_pte,
      bmPteVa: kernelSymbolVa(t.bm_pte),
      fixmapSlots: new Int32Array(4).fill(-1),
      after_bootmem: false,
      log: [...domU.log],
      stats,
      // Under Xen, pfns past max_pfn (the balloon region, and pages above MAX_DOMAIN_PAGES) have
      // no machine frame for Linux: their p2m entries are INVALID_P2M_ENTRY.
      p2m: xen === null ? null : xen.p2m,
      p2mLimit: xen === null ? Infinity : xenMaxPfn,
      pfn_to_mfn: xen === null ? (pfn) => pfn : (pfn) => (pfn < xenMaxPfn ? xen!.p2m[pfn] : -1),
      mfn_to_pfn: xen === null ? (mfn) => mfn : (mfn) => {
        const pfn = xen!.mfnToPfn(mfn);
        return pfn === INVALID_M2P_ENTRY ? -1 : pfn;
      },
      cr3: xen === null ? () => t.init_level4_pgt : () => xen!.cr3!,
    };
    this.kernel = k;
    const bootstrapL2 = xen === null
      ? nativeBootstrapTables(mem, this.layout)
      : this.layout.pageTables.start + 2;
    this.#steps = bootSteps(
      k,
      this.layout,
      bootstrapL2,
      nrPages,
      earlyAllocations,
      domU.brkPgtBuf,
    );
  }

  /**
   * Every entry that maps page `pfn` (through its machine frame), with its table's Xen state; on
   * bare metal the same search without Xen's view (type `none`).
   *
   * @param pfn The page.
   * @returns The entries.
   */
  whoMaps(pfn: number): Mapping[] {
    if (this.xen !== null) return whoMaps(this.xen, this.xen.pfnToMfn(pfn));
    const mem = this.kernel.mem;
    return findEntries(mem, pfn).map(({ table, index }) => {
      const { lo, hi } = mem.read(table, index);
      return {
        tableMfn: table,
        tablePfn: table,
        index,
        flags: entryFlags(lo, hi),
        writable: (lo & 2) !== 0,
        tableType: "none",
        validated: false,
        pinned: false,
      };
    });
  }

  /** The outcome once the boot has ended, else null. */
  get outcome(): BootOutcome | null {
    return this.#outcome;
  }

  /**
   * Run until an event satisfies `stop` (the machine pauses right after that event), or to the
   * end of the boot.
   *
   * @param stop A predicate on events; `() => false` runs to the end.
   * @param onEvent Called with every event, for tracing.
   * @returns The event it stopped at, or null when the boot ended.
   */
  runUntil(stop: (e: BootEvent) => boolean, onEvent?: (e: BootEvent) => void): BootEvent | null {
    if (this.#outcome !== null) return null;
    for (;;) {
      let r: IteratorResult<BootEvent, void>;
      try {
        r = this.#steps.next();
      } catch (error) {
        this.#fail(error);
        return null;
      }
      if (r.done) {
        this.#outcome = "ok";
        return null;
      }
      onEvent?.(r.value);
      if (stop(r.value)) return r.value;
    }
  }

  /**
   * Run to the end and report.
   *
   * @param onEvent Called with every event, for tracing.
   * @returns What the boot produced.
   */
  finish(onEvent?: (e: BootEvent) => void): BootResult {
    this.runUntil(() => false, onEvent);
    const k = this.kernel;
    return {
      kernel: this.#options.kernel,
      memory: this.#options.memory,
      hypervisor: this.#options.hypervisor,
      outcome: this.#outcome!,
      panic: this.#panic,
      xen_log: this.xen === null ? [] : [...this.xen.console.lines],
      log: [...k.log],
      pgt_buf: k.windows.map((w) => ({ ...w })),
      stats: { ...k.stats },
      notes: [...this.#notes],
    };
  }

  #fail(error: unknown): void {
    const k = this.kernel;
    let lines: string[];
    if (error instanceof KernelBug) {
      this.#outcome = "bug";
      lines = error.lines;
      const xen = this.xen;
      if (xen !== null) {
        // BUG() is ud2: Xen bounces the invalid opcode to the guest's handler, if it has one
        const before = xen.console.lines.length;
        if (do_guest_trap(xen, TRAP_invalid_op, 0) === "crashed") {
          this.#notes.push(
            `The guest executed BUG() at ${error.where} (${error.why}). Its invalid-opcode ` +
              "handler comes with trap_init, after setup_arch, so Xen had none to bounce the ud2 " +
              "to and crashed the domain: the guest printed nothing",
          );
          this.#panic = xen.console.lines.slice(before).join("\n");
          return;
        }
      }
    } else if (error instanceof KernelOops) {
      // a page fault Xen does not fix goes to the guest's page_fault handler, which prints this
      if (this.xen !== null) {
        propagate_page_fault(this.xen, error.va, error.errorCode);
      }
      this.#outcome = "oops";
      lines = error.lines;
    } else if (error instanceof KernelPanic) {
      this.#outcome = "panic";
      lines = [error.line];
    } else {
      throw error;
    }
    k.log.push(...lines);
    this.#panic = lines.join("\n");
  }
}

/** Check rule overrides: known names, allowed values. */
function checkRules(
  rules: Partial<Pick<MappingRules, "maskRwDirect" | "maskRwFixmap" | "reserve">>,
): Partial<MappingRules> {
  const allowed: Record<string, readonly unknown[]> = {
    maskRwDirect: ["none", "end", "top"],
    maskRwFixmap: [true, false],
    reserve: ["memblock", "pagetable_reserve"],
  };
  for (const [name, value] of Object.entries(rules)) {
    if (!Object.hasOwn(allowed, name)) {
      throw new RangeError(
        `Rule "${name}" cannot be changed: the switches are ${Object.keys(allowed).join(", ")}`,
      );
    }
    if (!allowed[name].includes(value)) {
      throw new RangeError(
        `Rule ${name} = ${JSON.stringify(value)} is not one of ${
          allowed[name].map((v) => JSON.stringify(v)).join(", ")
        }`,
      );
    }
  }
  return rules;
}

/** Whether libxc could lay out a domain of `nrPages` pages (its 1:1 map within 2 GiB). */
function layoutFits(nrPages: number): boolean {
  try {
    startOfDayLayout({ nrPages });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** The largest domain, in pages (a multiple of 512), whose start-of-day area fits. */
function largestLayoutPages(): number {
  let lo = 512, hi = 2 ** 28;
  while (hi - lo > 512) {
    const mid = Math.floor((lo + hi) / 1024) * 512;
    if (layoutFits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Boot a machine to the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boot } from "@xenmmu/book";
 * const r = boot({ kernel: "2.6.39", memory: 1024 * 1024 * 1024 });
 * assert.equal(r.outcome, "ok");
 * assert.equal(r.pgt_buf[0].top - r.pgt_buf[0].start, 514);
 * ```
 *
 * @param options What to boot.
 * @returns What it produced.
 */
export function boot(options: BootOptions): BootResult {
  const m = new BootMachine(options);
  const result = m.finish();
  // the result holds copies only: the machine's arrays can serve the next boot
  if (m.xen !== null) m.xen.recycle();
  else m.kernel.mem.recycle();
  return result;
}

/** The boot itself, from the kernel's first page-table work to the early allocations. */
function* bootSteps(
  k: Kernel,
  layout: StartOfDayLayout,
  bootstrapL2: number,
  nrPages: number,
  earlyAllocations: number,
  brkSeed: PgtBuf | undefined,
): BootStep {
  yield* setup_kernel_pagetable(k, layout, bootstrapL2, nrPages);
  // setup_arch: early_trap_init comes long before init_memory_mapping; trap_init comes after
  yield* early_trap_init(k);
  if (k.rules.code === "3.9") {
    // early_alloc_pgt_buf: the 5-page seed from BRK is the only "window" 3.9 has
    k.pgt_buf = { ...brkSeed! };
    k.windows.push(k.pgt_buf);
    yield* init_mem_mapping(k);
    yield* early_trap_pf_init(k);
  } else {
    const calls = initMemoryMappingCalls(k.memory.maxPfn, k.memory.maxLowPfn);
    for (const call of calls) {
      k.max_pfn_mapped = yield* init_memory_mapping(k, call.start, call.end);
    }
  }
  yield* early_allocations(k, earlyAllocations);
}

/**
 * After the mapping, the kernel takes memory from memblock, top-down below the mapped limit, and
 * writes each page at once (node data, `mem_map`, and so on, in `initmem_init` and `paging_init`).
 * The model makes `count` one-page allocations and writes each through its direct-map address,
 * so a page left read-only by mistake faults as it would.
 */
function* early_allocations(k: Kernel, count: number): BootStep {
  const mb = k.memory.memblock;
  for (let n = 0; n < count; n++) {
    const limit = k.max_pfn_mapped * PAGE_SIZE;
    if (k.rules.code === "3.9") {
      const base = memblock_find_in_range_node(mb, 0, limit, PAGE_SIZE, PAGE_SIZE);
      if (base === MEMBLOCK_ERROR) return;
      memblock_reserve(mb, base, PAGE_SIZE);
      yield* writeFresh(k, base);
      continue;
    }
    const base = memblock_find_in_range(mb, 0, limit, PAGE_SIZE, PAGE_SIZE);
    if (base === MEMBLOCK_ERROR) return;
    memblock_x86_reserve_range(mb, base, base + PAGE_SIZE, "EARLY");
    yield* writeFresh(k, base);
  }
}

/** The first write to a page memblock handed out, through its direct-map address. */
function* writeFresh(k: Kernel, base: number): BootStep {
  const va = __va(base);
  const r = walk(k.mem, k.cr3() * PAGE_SIZE, va, { access: "write" });
  if (r.fault !== null) {
    throw new KernelOops(
      va,
      r.fault.reason === "protection" ? 3 : 2,
      `first write to a page memblock handed out: ${r.fault.detail}`,
    );
  }
  yield { kind: "early_alloc", pfn: base / PAGE_SIZE };
}

/**
 * The native machine's stand-in for the builder's tables: the same L2 and L1 pages at the same
 * pfns, mapping `[0, v_end)` from `virt_base`, so the native boot starts from the same picture.
 *
 * @returns The pfn of the L2.
 */
function nativeBootstrapTables(mem: PageTableMemory, layout: StartOfDayLayout): number {
  const { l3, l2 } = layout.tableCounts;
  const l2Pfn = layout.pageTables.start + 1 + l3;
  const l1First = l2Pfn + l2;
  const upper = mem.table(l2Pfn);
  for (let chunk = 0; chunk < layout.vEnd / 512; chunk++) {
    upper[2 * chunk] = entryLo(l1First + chunk, 0x67);
    upper[2 * chunk + 1] = entryHi(l1First + chunk, 0x67);
    const words = mem.table(l1First + chunk);
    for (let i = 0; i < 512; i++) {
      words[2 * i] = entryLo(chunk * 512 + i, 0x23);
      words[2 * i + 1] = entryHi(chunk * 512 + i, 0x23);
    }
  }
  return l2Pfn;
}
