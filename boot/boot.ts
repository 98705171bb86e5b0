/**
 * `boot(options)`: one whole early boot of a 64-bit PV domU (or of the same machine on bare
 * metal), from the domain builder's start of day to just after `init_memory_mapping`; and
 * {@linkcode BootMachine}, the same boot paused at any event, inspected, and resumed.
 *
 * @module
 */

import {
  __va,
  _PAGE_GLOBAL,
  _PAGE_PCD,
  _PAGE_PWT,
  entryFlags,
  entryHi,
  entryLo,
  findEntries,
  formatVirt,
  PAGE_FLAGS_MASK,
  PAGE_SIZE,
  PageTableMemory,
  walk,
} from "../mmu/mod.ts";
import { buildPvDomain } from "../xen/hypervisor/build_pv_domain.ts";
import { do_guest_trap, propagate_page_fault } from "../xen/hypervisor/do_guest_trap.ts";
import { TRAP_invalid_op } from "../xen/hypervisor/do_set_trap_table.ts";
import { describeMapping, type Mapping, whoMaps } from "../xen/hypervisor/who_maps.ts";
import { INVALID_M2P_ENTRY, type Xen } from "../xen/hypervisor/xen.ts";
import { type StartOfDayLayout, startOfDayLayout } from "../xen/hypervisor/start_of_day_layout.ts";
import { maxDomainPages } from "./xen_memory_setup.ts";
import { xen_pv_mmu_ops } from "../xen/guest/xen_mmu_ops.ts";
import { xen_panic_event } from "../xen/guest/xen_panic_event.ts";
import { XEN_DOMU_SUPPORTED_PTE_MASK } from "../xen/guest/xen_pv_prot.ts";
import { do_page_fault, panic } from "./fault.ts";
import type { PgtBuf } from "./find_early_table_space.ts";
import { initMemoryMappingCalls } from "./init_memory_mapping_calls.ts";
import { init_memory_mapping } from "./init_memory_mapping.ts";
import { init_mem_mapping } from "./init_mem_mapping.ts";
import { early_trap_init, early_trap_pf_init } from "./early_trap_init.ts";
import { KernelBug, KernelOops } from "./kernel_fault.ts";
import { KernelPanic } from "./kernel_panic.ts";
import { estimateBootBytes } from "./estimate_boot_bytes.ts";
import { MAXMEM } from "../mmu/page_64_types.ts";
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
  /**
   * Bytes the simulation may use on the machine running it: a boot whose
   * {@linkcode estimateBootBytes} is larger is refused before it starts. The
   * command line passes the memory available; unset, nothing is checked.
   */
  memoryLimit?: number;
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
  /** Xen console lines that fell out of its bounded ring (`conring`) before the end; 0 natively. */
  readonly xen_log_dropped: number;
  /** The kernel log. */
  readonly log: readonly string[];
  /** One window per `init_memory_mapping` call that used one, in call order (pfns). */
  readonly pgt_buf: readonly PgtBuf[];
  /** Counters. */
  readonly stats: Readonly<BootStats>;
  /** What the model did that the kernel does not print (e.g. a domU capped at 128 GiB). */
  readonly notes: readonly string[];
  /**
   * The page fault behind an `oops`, as the model recorded it, or null: the address that really
   * faulted and its page. The guest's own report may name another address (under Xen, this early,
   * `(null)`: chapter 8); Xen holds this one in the vCPU's `vcpu_info`.
   */
  readonly fault: PageFaultRecord | null;
}

/** A page fault the kernel could not handle, as the model recorded it. */
export interface PageFaultRecord {
  /** The faulting virtual address (48-bit form): the CPU's cr2. */
  readonly va: number;
  /** The page it falls in, or null when no page is mapped there. */
  readonly pfn: number | null;
  /** The page-fault error code. */
  readonly errorCode: number;
  /** The address the guest's handler read as cr2 and reported (0 under Xen this early). */
  readonly reported: number;
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
  readonly #options: Required<Omit<BootOptions, "memoryLimit">>;
  readonly #steps: BootStep;
  #outcome: BootOutcome | null = null;
  #notes: string[] = [];
  #panic: string | null = null;
  #fault: PageFaultRecord | null = null;

  /**
   * Prepare a boot: build the domain (or the native machine) and the kernel's memory map. Nothing
   * of the boot itself runs until {@linkcode BootMachine.runUntil} or {@linkcode BootMachine.finish}.
   *
   * @param options What to boot.
   * @throws {RangeError} Naming the value and the rule, for an unknown profile, a malformed size,
   *   a size too small for the kernel's early allocations or too large for the kernel or for the
   *   machine running the model.
   * @throws {TypeError} When `options` is not an object.
   */
  constructor(options: BootOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Boot options ${String(options)} are not an object: pass { kernel, memory }`,
      );
    }
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
    if (hypervisor === "native" && memory > MAXMEM) {
      throw new RangeError(
        `Memory of ${memory} bytes is more than 2.6.39 x86-64 can address: MAX_PHYSMEM_BITS is ` +
          `46, so a machine has at most 64 TiB (${MAXMEM} bytes)`,
      );
    }
    if (options.memoryLimit !== undefined) {
      if (typeof options.memoryLimit !== "number" || !(options.memoryLimit > 0)) {
        throw new RangeError(
          `memoryLimit ${String(options.memoryLimit)} is not a number of bytes above 0`,
        );
      }
      const need = estimateBootBytes(memory, hypervisor);
      if (need > options.memoryLimit) {
        throw new RangeError(
          `Simulating ${memory / 2 ** 30} GiB (${hypervisor}) needs about ${
            (need / 2 ** 30).toFixed(1)
          } GiB of this machine's memory, more than the ${
            (options.memoryLimit / 2 ** 30).toFixed(1)
          } GiB available: choose a smaller size`,
        );
      }
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
    const cap = maxDomainPages(rules.code);
    if (hypervisor === "xen" && nrPages > cap) {
      notes.push(
        `Linux ${rules.code} caps a domU at MAX_DOMAIN_PAGES (${cap} pages, ${
          cap / 2 ** 18
        } GiB): the other ${
          nrPages - cap
        } pages become balloon space above it, mapped with empty ptes`,
      );
    }
    // The domain builder goes first: it refuses a domain smaller than its own start-of-day area
    // with a clear error, before the kernel's first allocation could panic on it.
    const xen: Xen | null = hypervisor === "xen" ? buildPvDomain({ nrPages }).xen : null;
    let domU;
    try {
      domU = setupDomUMemory({
        kernel: rules.code,
        memory,
        layoutPages,
        maxDomainPages: hypervisor === "native" ? nrPages : undefined,
      });
    } catch (error) {
      if (!(error instanceof KernelPanic)) throw error;
      throw new RangeError(
        `Memory of ${memory} bytes is too small for the kernel's own early allocations: ` +
          `setup_arch would panic ("${error.message}") before any page table is built`,
      );
    }
    this.layout = domU.layout;
    this.#notes = notes;

    const mem: PageTableMemory = xen !== null
      ? xen.mem
      : new PageTableMemory(Math.max(domU.maxPfn, nrPages));
    const xenMaxPfn = domU.xen.memEnd / PAGE_SIZE;
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
      fixmapSlots: new Float64Array(4).fill(-1),
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
      // xen_start_kernel: __supported_pte_mask &= ~_PAGE_GLOBAL, and a domU also loses PWT, PCD
      __supported_pte_mask: xen === null ? PAGE_FLAGS_MASK : XEN_DOMU_SUPPORTED_PTE_MASK,
      cpu_cr2: 0,
      // xen_start_kernel: per_cpu(xen_vcpu, 0) = &HYPERVISOR_shared_info->vcpu_info[0], and
      // HYPERVISOR_shared_info is still &xen_dummy_shared_info, a zeroed page of the kernel's
      xen_vcpu: xen === null ? null : { arch: { cr2: 0 } },
      panic_notifier_list: [],
      events: true,
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

  /**
   * Run to the next `alloc_low_page`, or to the one that takes page `pfn`.
   *
   * @param pfn The page to wait for; any page when left out.
   * @returns The page taken, or null when the boot ended first.
   */
  runUntilAlloc(pfn?: number): number | null {
    if (pfn !== undefined) this.#checkPfn(pfn);
    const e = this.runUntil((e) =>
      e.kind === "alloc_low_page" && (pfn === undefined || e.pfn === pfn)
    );
    return e?.kind === "alloc_low_page" ? e.pfn : null;
  }

  /**
   * Run to the alloc hook (`alloc_pte`, `alloc_pmd` or `alloc_pud`) called for page `pfn`: the
   * moment `xen_alloc_pte_init` and its kin run, before the parent entry is written.
   *
   * @param pfn The new table page.
   * @returns The hook's name, or null when the boot ended first.
   */
  runUntilHook(pfn: number): "alloc_pte" | "alloc_pmd" | "alloc_pud" | null {
    this.#checkPfn(pfn);
    const e = this.runUntil((e) => e.kind === "pv_alloc" && e.pfn === pfn);
    return e?.kind === "pv_alloc" ? e.hook : null;
  }

  /**
   * Run to the next hypercall (on bare metal there are none: it runs to the end).
   *
   * @returns The call and its return code, or null when the boot ended first.
   */
  runUntilHypercall(): { call: string; rc: number } | null {
    const e = this.runUntil((e) => e.kind === "hypercall");
    return e?.kind === "hypercall" ? { call: e.call, rc: e.rc } : null;
  }

  /**
   * The entries that map page `pfn` writable, one line each ({@linkcode describeMapping}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BootMachine } from "@xenmmu/book";
   * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
   * m.finish();
   * assert.deepEqual(m.writableMappings(m.kernel.init_level4_pgt), []); // a table: never RW
   * ```
   *
   * @param pfn The page.
   * @returns The lines, empty when nothing maps it writable.
   */
  writableMappings(pfn: number): string[] {
    return this.whoMaps(pfn).filter((x) => x.writable).map(describeMapping);
  }

  /** Refuse a pfn the machine does not have, before running anything. */
  #checkPfn(pfn: number): void {
    const frames = this.kernel.mem.frames;
    if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn >= frames) {
      throw new RangeError(`Page ${pfn} is not a pfn of this machine (0 to ${frames - 1})`);
    }
  }

  /** What the model noted for the reader so far (the result's `notes`). */
  get notes(): readonly string[] {
    return [...this.#notes];
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
   * @param onEvent Called with every event, for tracing. Without it the rest of the boot makes
   *   no events at all (see `Kernel.events`): the result is the same, a big boot is about a tenth
   *   faster.
   * @returns What the boot produced.
   */
  finish(onEvent?: (e: BootEvent) => void): BootResult {
    // with no tracer nobody reads the rest of this boot's events: its steps need not make them
    this.kernel.events = onEvent !== undefined;
    try {
      this.runUntil(() => false, onEvent);
    } finally {
      this.kernel.events = true; // a step a reader drives by hand afterwards yields as usual
    }
    const k = this.kernel;
    return {
      kernel: this.#options.kernel,
      memory: this.#options.memory,
      hypervisor: this.#options.hypervisor,
      outcome: this.#outcome!,
      panic: this.#panic,
      xen_log: this.xen === null ? [] : [...this.xen.console.lines],
      xen_log_dropped: this.xen === null ? 0 : this.xen.console.dropped,
      log: [...k.log],
      pgt_buf: k.windows.map((w) => ({ ...w })),
      stats: { ...k.stats },
      notes: [...this.#notes],
      fault: this.#fault,
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
        const before = xen.console.printed;
        if (do_guest_trap(xen, TRAP_invalid_op, 0) === "crashed") {
          this.#notes.push(
            `The guest executed BUG() at ${error.where} (${error.why}). Its invalid-opcode ` +
              "handler comes with trap_init, after setup_arch, so Xen had none to bounce the ud2 " +
              "to and crashed the domain: the guest printed nothing",
          );
          this.#panic = xen.console.linesSince(before).join("\n");
          return;
        }
      }
    } else if (error instanceof KernelOops) {
      this.#outcome = "oops";
      const xen = this.xen;
      // the CPU puts the address in cr2; under Xen, Xen reads it and passes the fault on
      k.cpu_cr2 = error.va;
      if (xen !== null) propagate_page_fault(xen, error.va, error.errorCode);
      const report = do_page_fault(k, error.errorCode);
      const pa = walk(k.mem, k.cr3() * PAGE_SIZE, error.va).pa;
      const pfn = pa === null ? -1 : k.mfn_to_pfn(Math.floor(pa / PAGE_SIZE));
      this.#fault = {
        va: error.va,
        pfn: pfn < 0 ? null : pfn,
        errorCode: error.errorCode,
        reported: report.address,
      };
      this.#notes.push(oopsNote(k, error, this.#fault));
      this.#panic = report.lines.join("\n");
      return;
    } else if (error instanceof KernelPanic) {
      this.#outcome = "panic";
      lines = [];
      panic(k, error.message, (line) => lines.push(line));
    } else {
      throw error;
    }
    k.log.push(...lines);
    this.#panic = lines.join("\n");
  }
}

/** The note that says what really faulted, and why the guest reported another address. */
function oopsNote(k: Kernel, error: KernelOops, fault: PageFaultRecord): string {
  const page = fault.pfn === null ? "" : ` (pfn 0x${fault.pfn.toString(16)})`;
  const what =
    `The page fault was at ${formatVirt(error.va)}${page}, error code ${error.errorCode}: ` +
    `${error.why}.`;
  if (k.xen === null || fault.reported === error.va) return what;
  return `${what} Xen stored that address in the vCPU's vcpu_info (arch.cr2 = ` +
    `${formatVirt(k.xen.vcpu_info.arch.cr2)}), but the guest's xen_vcpu still points into ` +
    "xen_dummy_shared_info until the real shared page is set up after paging_init, so " +
    "xen_read_cr2 returned 0 and the oops reports a NULL pointer dereference";
}

/**
 * The rule switches of {@linkcode BootOptions}: each name with the values it takes (the
 * command line's `--rule NAME=VALUE` and a scenario's `rules` use the same names).
 */
export const RULE_SWITCHES: Readonly<Record<string, readonly (string | boolean)[]>> = {
  maskRwDirect: ["none", "end", "top"],
  maskRwFixmap: [true, false],
  reserve: ["memblock", "pagetable_reserve"],
};

/** Check rule overrides: known names, allowed values. */
function checkRules(
  rules: Partial<Pick<MappingRules, "maskRwDirect" | "maskRwFixmap" | "reserve">>,
): Partial<MappingRules> {
  const allowed = RULE_SWITCHES;
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
  // setup_arch: x86_init.oem.arch_setup is xen_arch_setup, which registers xen_panic_event
  if (k.xen !== null) k.panic_notifier_list.push(xen_panic_event);
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
      // the CPU's error code: write (2), plus present (1) for a protection fault, plus
      // reserved-bit (8) and present for a reserved bit set in an entry
      r.fault.reason === "protection" ? 3 : r.fault.reason === "reserved-bit" ? 0xb : 2,
      `first write to a page memblock handed out: ${r.fault.detail}`,
    );
  }
  if (k.events) yield { kind: "early_alloc", pfn: base / PAGE_SIZE };
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
