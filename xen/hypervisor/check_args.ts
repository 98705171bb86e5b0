/**
 * Checks of hypercall arguments that are malformed rather than refused:
 * a caller of the model that passes them has a bug, so they throw before
 * anything changes (a real guest would get an error code or a crash).
 *
 * @module
 */

import type { Entry } from "../../mmu/entry.ts";
import { hexOrValue } from "../../mmu/hex_or_value.ts";
import type { Xen } from "./xen.ts";

/**
 * Check that `ptr` is a byte address inside the machine.
 *
 * @param xen The hypervisor.
 * @param ptr The address.
 * @param what What the address is, for the message.
 * @throws {RangeError} When it is not.
 */
export function checkMachineAddress(xen: Xen, ptr: number, what: string): void {
  if (!Number.isInteger(ptr) || ptr < 0 || ptr >= xen.mem.frames * 4096) {
    throw new RangeError(
      `${what} ${hexOrValue(ptr)} is outside the machine: machine addresses are 0x0..0x${
        (xen.mem.frames * 4096 - 1).toString(16)
      }`,
    );
  }
}

/**
 * Check that `mfn` is a frame of the machine.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @param what What the frame is, for the message.
 * @throws {RangeError} When it is not.
 */
export function checkMfn(xen: Xen, mfn: number, what: string): void {
  if (!Number.isInteger(mfn) || mfn < 0 || mfn >= xen.mem.frames) {
    throw new RangeError(
      `${what} ${hexOrValue(mfn)} is outside the machine: machine frames are 0x0..0x${
        (xen.mem.frames - 1).toString(16)
      }`,
    );
  }
}

/**
 * Check that an entry is two unsigned 32-bit halves.
 *
 * @param entry The entry.
 * @param what What the entry is, for the message.
 * @throws {RangeError} When it is not.
 */
export function checkEntryHalves(entry: Entry, what: string): void {
  // each half on its own: this runs once per hypercall, so no array is made for the loop
  checkHalf(entry?.lo, what);
  checkHalf(entry?.hi, what);
}

function checkHalf(half: number | undefined, what: string): void {
  if (!Number.isInteger(half) || half! < 0 || half! > 0xffffffff) {
    throw new RangeError(
      `${what} half ${
        String(half)
      } is not an unsigned 32-bit number: an entry is two 32-bit halves`,
    );
  }
}

/**
 * Check that `va` is a 48-bit virtual address (the model's form, see `mmu/virtual_address.ts`).
 *
 * @param va The address.
 * @param what What the address is, for the message.
 * @throws {RangeError} When it is not.
 */
export function checkVirtualAddress(va: number, what: string): void {
  if (!Number.isInteger(va) || va < 0 || va >= 2 ** 48) {
    throw new RangeError(
      `${what} ${hexOrValue(va)} is not a 48-bit virtual address: use virt() for 64-bit spellings`,
    );
  }
}

/**
 * Check that a hypercall's batch is an array of objects, before any of it is looked at.
 *
 * @param batch What the caller passed.
 * @param what The hypercall and what each element holds, e.g. `mmu_update` and `{ ptr, val }`.
 * @param shape How an element looks, for the message.
 * @throws {TypeError} Naming the first element that is not an object, or the batch itself.
 */
export function checkBatch(batch: unknown, what: string, shape: string): void {
  if (!Array.isArray(batch)) {
    throw new TypeError(`${what} batch ${String(batch)} is not an array of ${shape} requests`);
  }
  for (let i = 0; i < batch.length; i++) {
    const req = batch[i];
    if (typeof req !== "object" || req === null) {
      throw new TypeError(
        `${what} request ${i} is ${String(req)}: every request of a batch is a ${shape} object`,
      );
    }
  }
}
