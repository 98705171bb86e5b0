/**
 * The guest's virtual IDT: `HYPERVISOR_set_trap_table` fills it (`do_set_trap_table`,
 * `xen/arch/x86/traps.c`, Xen 4.1), and Xen bounces a guest's exceptions through it.
 *
 * A domain starts with every entry empty (the domain builder registers none): until the kernel
 * loads an IDT, Xen has nowhere to send an exception it raises in the guest.
 *
 * @module
 */

import type { Xen } from "./xen.ts";

/** `TRAP_debug`: vector 1. */
export const TRAP_debug = 1;
/** `TRAP_int3`: vector 3. */
export const TRAP_int3 = 3;
/** `TRAP_invalid_op`: vector 6, raised by `ud2`, which is how x86 Linux spells `BUG()`. */
export const TRAP_invalid_op = 6;
/** `TRAP_page_fault`: vector 14. */
export const TRAP_page_fault = 14;

/** One entry of `struct trap_info` as the model keeps it: the vector and the handler address. */
export interface TrapInfo {
  /** The exception vector, 0..255. */
  readonly vector: number;
  /** The handler's guest virtual address (48-bit form); 0 ends the table, as in Xen. */
  readonly address: number;
}

/**
 * `do_set_trap_table(traps)`: copy the entries into the vCPU's virtual IDT, up to the first one
 * whose address is 0 (Xen reads no further). A null table clears the whole IDT ("If no table is
 * presented then clear the entire virtual IDT"); an empty one changes nothing. Entries not in the
 * table keep what they held.
 *
 * Simplified: the code segment and flags of `struct trap_info` are not kept, and the `int 0x80`
 * fast path is not modelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { do_set_trap_table, TRAP_invalid_op, TRAP_page_fault, Xen } from "@xenmmu/book";
 * const xen = new Xen({ nrPages: 512 });
 * assert.equal(do_set_trap_table(xen, [{ vector: TRAP_page_fault, address: 0xffff81000000 }]), 0);
 * assert.equal(xen.trapHandler(TRAP_page_fault), 0xffff81000000);
 * assert.equal(xen.trapHandler(TRAP_invalid_op), 0);
 * ```
 *
 * @param xen The hypervisor.
 * @param traps The entries, in order, or null.
 * @returns 0.
 * @throws {RangeError} Before changing anything, when an entry Xen would read has a vector that
 *   is not 0..255 or an address that is not a 48-bit virtual address.
 */
export function do_set_trap_table(xen: Xen, traps: readonly TrapInfo[] | null): number {
  if (traps === null) {
    xen.trapTable.fill(0);
    return 0;
  }
  const end = traps.findIndex((t) => t.address === 0);
  const read = end < 0 ? traps : traps.slice(0, end);
  for (const { vector, address } of read) {
    if (!Number.isInteger(vector) || vector < 0 || vector > 255) {
      throw new RangeError(`Trap vector ${vector} is not a vector: vectors are 0 to 255`);
    }
    if (!Number.isInteger(address) || address < 0 || address >= 2 ** 48) {
      throw new RangeError(
        `Trap handler address ${address} is not a 48-bit virtual address (0 ends the table)`,
      );
    }
  }
  for (const { vector, address } of read) xen.trapTable[vector] = address;
  return 0;
}
