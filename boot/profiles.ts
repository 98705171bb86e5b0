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

/**
 * What a profile is, historically: a Linux release; the code of a real tree between releases
 * (named in {@linkcode KernelProfile.history}); or a reconstruction, on 2.6.39's code, of a rule
 * that was discussed but never shipped as such.
 */
export type ProfileKind = "release" | "intermediate" | "reconstruction";

/** A profile: an id, the rules, and one line for people. */
export interface KernelProfile {
  /** The id the command line and the book use. */
  readonly id: string;
  /** What it is. */
  readonly summary: string;
  /** A release, a real intermediate tree, or a reconstruction. */
  readonly kind: ProfileKind;
  /** Where it stands in the history of the 2011 commits, and how sure that is. */
  readonly history: string;
  /** Its rules. */
  readonly rules: MappingRules;
}

/** The profiles the model runs so far, by id. */
export const PROFILES: Readonly<Record<string, KernelProfile>> = {
  "2.6.38": {
    id: "2.6.38",
    summary: "Linux 2.6.38: low window, existing tables through __va, RO for [start, end)",
    kind: "release",
    history: "Linux 2.6.38 (March 2011), before the window moved.",
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
    kind: "release",
    history: "Linux 2.6.39 (May 2011): 4b239f45 and both mask_rw_pte changes, then 279b706b.",
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
    kind: "intermediate",
    history:
      "The tree of v2.6.39-rc1: 4b239f45 (Yinghai Lu, December 2010) was merged for rc1, and neither mask_rw_pte change had come yet; inferred from the commits, the rc1 mmu.c itself was not read.",
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
    kind: "reconstruction",
    history:
      "A reconstruction of the rule the May 2011 thread weighs: keep 2.6.38's [start, end) and add the fixmap clause; no tree shipped exactly this.",
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
    kind: "intermediate",
    history:
      'The tree between the rc5 merge 609cfda586c7 ("stable/bug-fixes-for-rc5", which brought "mask_rw_pte mark RO all pagetable pages up to pgt_buf_top") and 279b706b; which rc tags it spans was not verified.',
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
    kind: "release",
    history:
      "Linux 3.9 (April 2013): Yinghai Lu's top-down series (8d57470d and others) removed the window and the reserve hook.",
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
    kind: "reconstruction",
    history:
      "A reconstruction of the thread's other idea: drop the direct-map clause and let the alloc hooks make pages read-only; never shipped.",
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
