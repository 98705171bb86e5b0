/**
 * Linux 3.9's `init_mem_mapping` (`arch/x86/mm/init.c`, commit 8d57470d "x86, mm: setup page
 * table in top-down" and its series): map the ISA range, then map memory from the top down in
 * growing steps, so that every page-table page comes from memory that is already mapped.
 *
 * @module
 */

import { PAGE_SIZE, PMD_SIZE } from "../mmu/mod.ts";
import type { Kernel } from "./kernel.ts";
import { kernel_physical_mapping_init } from "./kernel_physical_mapping_init.ts";
import { MEMBLOCK_ERROR, memblock_find_in_range_node } from "./memblock.ts";
import { ISA_END_ADDRESS } from "./xen_memory_setup.ts";
import type { BootStep } from "./paravirt.ts";
import { printkHex } from "./printk.ts";

/** `STEP_SIZE_SHIFT`: each step may be 2^5 times the last. */
export const STEP_SIZE_SHIFT = 5;

/**
 * `init_mem_mapping()` (3.9, 64-bit, 4 KiB pages): map `[0, ISA_END_ADDRESS)`; find `real_end`,
 * the top of the highest free 2 MiB below `end` ("xen has big range in reserved near end of ram,
 * skip it at first"); then map downward from `real_end` in steps of 2 MiB, then 64 MiB, then 2 GiB
 * (×32 each time a step mapped more than all before); finally map `[real_end, end)`.
 * `max_pfn_mapped` restarts at 0 after the ISA range, so `alloc_low_pages` takes its first pages
 * from the BRK seed, and later ones from what the steps above have mapped.
 *
 * @param k The kernel, with `pgt_buf` set to the BRK seed.
 * @returns Nothing; yields every event.
 */
export function* init_mem_mapping(k: Kernel): BootStep {
  const end = k.memory.maxPfn * PAGE_SIZE;
  // the ISA range is always mapped regardless of memory holes
  yield* init_memory_mapping_39(k, 0, ISA_END_ADDRESS);
  const addr = memblock_find_in_range_node(
    k.memory.memblock,
    ISA_END_ADDRESS,
    end,
    PMD_SIZE,
    PMD_SIZE,
  );
  if (addr === MEMBLOCK_ERROR) throw new Error("No free 2 MiB below the end of RAM");
  const realEnd = addr + PMD_SIZE;
  let stepSize = PMD_SIZE;
  k.max_pfn_mapped = 0; // "will get exact value next"
  k.min_pfn_mapped = realEnd / PAGE_SIZE;
  let lastStart = realEnd;
  let mappedRamSize = 0;
  while (lastStart > ISA_END_ADDRESS) {
    let start: number;
    if (lastStart > stepSize) {
      start = Math.max(Math.floor((lastStart - 1) / stepSize) * stepSize, ISA_END_ADDRESS);
    } else {
      start = ISA_END_ADDRESS;
    }
    const newMapped = yield* init_range_memory_mapping(k, start, lastStart);
    lastStart = start;
    k.min_pfn_mapped = lastStart / PAGE_SIZE;
    if (newMapped > mappedRamSize) stepSize *= 2 ** STEP_SIZE_SHIFT;
    mappedRamSize += newMapped;
  }
  if (realEnd < end) yield* init_range_memory_mapping(k, realEnd, end);
}

/**
 * `init_range_memory_mapping(r_start, r_end)`: map the RAM (memblock memory) inside
 * `[r_start, r_end)`; a range that overlaps the BRK seed must take its tables from memblock.
 *
 * @returns The bytes mapped.
 */
function* init_range_memory_mapping(k: Kernel, rStart: number, rEnd: number): BootStep<number> {
  let mapped = 0;
  for (const region of k.memory.memblock.memory) {
    const start = Math.min(Math.max(region.base, rStart), rEnd);
    const end = Math.min(Math.max(region.base + region.size, rStart), rEnd);
    if (start >= end) continue;
    k.can_use_brk_pgt = Math.max(start, k.pgt_buf.end * PAGE_SIZE) >=
      Math.min(end, k.pgt_buf.top * PAGE_SIZE);
    yield* init_memory_mapping_39(k, start, end);
    mapped += end - start;
    k.can_use_brk_pgt = true;
  }
  return mapped;
}

/**
 * 3.9's `init_memory_mapping(start, end)`: `init_memory_mapping: [mem %#010lx-%#010lx]`, one
 * range of 4 KiB pages, the mapping, and `add_pfn_range_mapped` (which raises
 * `max_pfn_mapped`); no window, no reserve step.
 */
function* init_memory_mapping_39(k: Kernel, start: number, end: number): BootStep<number> {
  const range = `[mem ${printkHex(start, 10, true)}-${printkHex(end - 1, 10, true)}]`;
  for (const line of [`init_memory_mapping: ${range}`, ` ${range} page 4k`]) {
    k.log.push(line);
    if (k.events) yield { kind: "printk", line };
  }
  if (k.events) yield { kind: "init_memory_mapping", start, end };
  k.front = start;
  const ret = yield* kernel_physical_mapping_init(k, start, end);
  k.max_pfn_mapped = Math.max(k.max_pfn_mapped, Math.floor(ret / PAGE_SIZE));
  return Math.floor(ret / PAGE_SIZE);
}
