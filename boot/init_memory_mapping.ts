/**
 * `init_memory_mapping(start, end)` (Linux 2.6.38 / 2.6.39 `arch/x86/mm/init.c`, 64-bit, no
 * large pages): print the range, size and place the window, map, and reserve the part of the
 * window that was used.
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import { find_early_table_space } from "./find_early_table_space.ts";
import type { Kernel } from "./kernel.ts";
import { kernel_physical_mapping_init } from "./kernel_physical_mapping_init.ts";
import { memblock_x86_reserve_range } from "./memblock_x86.ts";
import type { BootStep } from "./paravirt.ts";
import { printkHex } from "./printk.ts";

/**
 * Map physical `[start, end)` into `init_mm`.
 *
 * The steps: `init_memory_mapping: %016lx-%016lx`; one range of 4 KiB pages (a PV guest has no
 * PSE, so the split into at most five ranges merges into one: ` %010lx - %010lx page 4k`);
 * `find_early_table_space(end)`; `kernel_physical_mapping_init`; then the reserve step: 2.6.38
 * reserves `[start, end)` of the window in memblock directly, 2.6.39 calls
 * `x86_init.mapping.pagetable_reserve`, which under Xen also hands `[end, top)` back writable.
 *
 * @param k The kernel.
 * @param start The first byte.
 * @param end One past the last byte.
 * @returns The last pfn mapped + 1 (`ret >> PAGE_SHIFT`); yields every event of the mapping.
 */
export function* init_memory_mapping(k: Kernel, start: number, end: number): BootStep<number> {
  yield* printk(k, `init_memory_mapping: ${printkHex(start, 16)}-${printkHex(end, 16)}`);
  if (k.events) yield { kind: "init_memory_mapping", start, end };
  yield* printk(k, ` ${printkHex(start, 10)} - ${printkHex(end, 10)} page 4k`);
  const before = k.log.length;
  k.pgt_buf = find_early_table_space(
    {
      kernel: k.rules.code,
      memblock: k.memory.memblock,
      maxPfnMapped: k.max_pfn_mapped,
      log: k.log,
    },
    end,
    false,
    false,
  );
  k.windows.push(k.pgt_buf);
  k.front = start;
  if (k.events) { for (const line of k.log.slice(before)) yield { kind: "printk", line }; }

  const ret = yield* kernel_physical_mapping_init(k, start, end);

  const { start: first, end: used } = k.pgt_buf;
  if (used > first) {
    if (k.rules.reserve === "memblock") {
      memblock_x86_reserve_range(
        k.memory.memblock,
        first * PAGE_SIZE,
        used * PAGE_SIZE,
        "PGTABLE",
      );
    } else {
      yield* k.pv.pagetable_reserve(k, first * PAGE_SIZE, used * PAGE_SIZE);
    }
    if (k.events) yield { kind: "reserve", start: first, end: used };
  }
  return Math.floor(ret / PAGE_SIZE);
}

/** Print a line to the kernel log and yield it. */
function* printk(k: Kernel, line: string): BootStep {
  k.log.push(line);
  if (k.events) yield { kind: "printk", line };
}
