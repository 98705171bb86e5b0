/**
 * Which `init_memory_mapping(start, end)` calls `setup_arch` makes on 64-bit (2.6.38 /
 * 2.6.39): one for `[0, max_low_pfn)`, and one for `[4 GiB, max_pfn)` when there is RAM above
 * `max_low_pfn`.
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import { printkHex } from "./printk.ts";

/** One `init_memory_mapping(start, end)` call, in bytes. */
export interface InitMemoryMappingCall {
  /** The first byte to map. */
  readonly start: number;
  /** One past the last byte to map. */
  readonly end: number;
  /** The line the call prints first: `init_memory_mapping: %016lx-%016lx`. */
  readonly line: string;
}

/**
 * The `init_memory_mapping` calls of `setup_arch`:
 * `init_memory_mapping(0, max_low_pfn << PAGE_SHIFT)`, then, if `max_pfn > max_low_pfn`,
 * `init_memory_mapping(1UL << 32, max_pfn << PAGE_SHIFT)`. A 2.6.38 domU makes the second call
 * only when its RAM plus the 8 MiB balloon slack passes 4 GiB; a 2.6.39 domU always makes it,
 * because its balloon region lies at 4 GiB or above.
 *
 * After the first call `max_pfn_mapped` is what it returned: `end >> PAGE_SHIFT` of the last
 * range it mapped, i.e. `max_low_pfn` — the limit of 2.6.38's second window.
 *
 * @param maxPfn `max_pfn`.
 * @param maxLowPfn `max_low_pfn`.
 * @returns One or two calls, in call order.
 * @throws {RangeError} When a pfn is not a whole number, or `max_low_pfn` is 0 or above
 *   `max_pfn`.
 */
export function initMemoryMappingCalls(maxPfn: number, maxLowPfn: number): InitMemoryMappingCall[] {
  for (const [name, value] of [["maxPfn", maxPfn], ["maxLowPfn", maxLowPfn]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} ${value} is not a whole number of pages of at least 1`);
    }
  }
  if (maxLowPfn > maxPfn) {
    throw new RangeError(
      `maxLowPfn 0x${maxLowPfn.toString(16)} is above maxPfn 0x${maxPfn.toString(16)}: ` +
        "max_low_pfn never exceeds max_pfn",
    );
  }
  const calls = [call(0, maxLowPfn * PAGE_SIZE)];
  if (maxPfn > maxLowPfn) calls.push(call(2 ** 32, maxPfn * PAGE_SIZE));
  return calls;
}

function call(start: number, end: number): InitMemoryMappingCall {
  return { start, end, line: `init_memory_mapping: ${printkHex(start, 16)}-${printkHex(end, 16)}` };
}
