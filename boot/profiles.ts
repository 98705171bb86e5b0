/**
 * The kernel profiles: one per step of the 2011 story. Each is the code of one release, or of
 * 2.6.39 with one rule changed, so that a boot shows what that rule does and nothing else.
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";

/** The rules in which the profiles differ. */
export interface MappingRules {
  /**
   * Which release's code runs for the memory map, the window placement and the call order:
   * 2.6.38 puts the window low (below `max_pfn_mapped`), 2.6.39 high (below `end`).
   */
  readonly code: KernelVersion;
  /**
   * How `kernel_physical_mapping_init` reaches a table page that already exists: through its
   * direct-map address (2.6.38), or through a fixmap alias made by `map_low_page` (2.6.39,
   * commit 4b239f45).
   */
  readonly existingTables: "direct-map" | "map_low_page";
  /**
   * The direct-map clause of the 64-bit `mask_rw_pte`: which pfns of the window get read-only
   * PTEs when the direct map is written. `end`: `[start, end)` (2.6.37/2.6.38); `top`:
   * `[start, top)` (2.6.39); `none`: no clause.
   */
  readonly maskRwDirect: "none" | "end" | "top";
  /**
   * The fixmap clause of the 64-bit `mask_rw_pte` (2.6.39): every `bm_pte` alias is read-only
   * except the page `alloc_low_page` just handed out (`pgt_buf_end - 1`).
   */
  readonly maskRwFixmap: boolean;
  /**
   * How the used part of the window is reserved: 2.6.38 calls `memblock_x86_reserve_range`
   * directly; 2.6.39 calls `x86_init.mapping.pagetable_reserve` (commit 279b706b), whose Xen
   * version also makes `[end, top)` writable again.
   */
  readonly reserve: "memblock" | "pagetable_reserve" | "none";
  /** The line of `arch/x86/xen/mmu.c` whose `BUG()` `pin_pagetable_pfn` reaches on a failed pin. */
  readonly pinBugLine: number;
}

/** A profile: an id, the rules, and one line for people. */
export interface KernelProfile {
  /** The id the command line and the book use. */
  readonly id: string;
  /** What it is. */
  readonly summary: string;
  /** Its rules. */
  readonly rules: MappingRules;
}

/** The profiles the model runs so far, by id. */
export const PROFILES: Readonly<Record<string, KernelProfile>> = {
  "2.6.38": {
    id: "2.6.38",
    summary: "Linux 2.6.38: low window, existing tables through __va, RO for [start, end)",
    rules: {
      code: "2.6.38",
      existingTables: "direct-map",
      maskRwDirect: "end",
      maskRwFixmap: false,
      reserve: "memblock",
      pinBugLine: 1465,
    },
  },
  "2.6.39": {
    id: "2.6.39",
    summary: "Linux 2.6.39: high window, map_low_page, RO for [start, top), pagetable_reserve",
    rules: {
      code: "2.6.39",
      existingTables: "map_low_page",
      maskRwDirect: "top",
      maskRwFixmap: true,
      reserve: "pagetable_reserve",
      pinBugLine: 1535,
    },
  },
  "2.6.39-rc1": {
    id: "2.6.39-rc1",
    summary: "2.6.39 code (high window, map_low_page) with 2.6.38's rule: RO for [start, end), " +
      "no fixmap clause",
    rules: {
      code: "2.6.39",
      existingTables: "map_low_page",
      maskRwDirect: "end",
      maskRwFixmap: false,
      reserve: "memblock",
      pinBugLine: 1535,
    },
  },
  "published-range": {
    id: "published-range",
    summary: "2.6.39-rc1 plus the fixmap clause: RO for the pages published so far, [start, end)",
    rules: {
      code: "2.6.39",
      existingTables: "map_low_page",
      maskRwDirect: "end",
      maskRwFixmap: true,
      reserve: "memblock",
      pinBugLine: 1535,
    },
  },
  "2.6.39-rc-top": {
    id: "2.6.39-rc-top",
    summary: "RO for [start, top) and the fixmap clause, but only [start, end) reserved and " +
      "nothing handed back RW",
    rules: {
      code: "2.6.39",
      existingTables: "map_low_page",
      maskRwDirect: "top",
      maskRwFixmap: true,
      reserve: "memblock",
      pinBugLine: 1535,
    },
  },
  "3.9": {
    id: "3.9",
    summary: "Linux 3.9: top-down mapping, page tables from the BRK seed and then from memory " +
      "already mapped; mask_rw_pte a no-op, no reserve hook",
    rules: {
      code: "3.9",
      existingTables: "direct-map",
      maskRwDirect: "none",
      maskRwFixmap: false,
      reserve: "none",
      pinBugLine: 1562,
    },
  },
  "alloc-hooks": {
    id: "alloc-hooks",
    summary: "2.6.39 without the direct-map clause: only the alloc hooks make pages RO",
    rules: {
      code: "2.6.39",
      existingTables: "map_low_page",
      maskRwDirect: "none",
      maskRwFixmap: true,
      reserve: "pagetable_reserve",
      pinBugLine: 1535,
    },
  },
};

/**
 * Look a profile up by id.
 *
 * @param id A profile id, e.g. `2.6.39`.
 * @returns The profile.
 * @throws {RangeError} Naming the known profiles, when `id` is not one of them.
 */
export function getProfile(id: string): KernelProfile {
  const profile = Object.hasOwn(PROFILES, id) ? PROFILES[id] : undefined;
  if (profile !== undefined) return profile;
  const known = Object.keys(PROFILES).join(", ");
  throw new RangeError(`Unknown kernel profile "${id}": the model runs ${known}`);
}
