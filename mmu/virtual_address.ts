/**
 * Virtual addresses: parsing, printing, the split into table indices, and the
 * direct map (`__va`, `__pa`).
 *
 * An address is kept as its low 48 bits (see `page_64_types.ts` for why);
 * {@linkcode virt} accepts the familiar 64-bit canonical spelling and
 * {@linkcode formatVirt} prints it again.
 *
 * @module
 */

import {
  __START_KERNEL_map,
  MAXMEM,
  PAGE_OFFSET,
  PAGE_SIZE,
  PGDIR_SIZE,
  PMD_SIZE,
  PTRS_PER_TABLE,
  PUD_SIZE,
} from "./page_64_types.ts";

const VA_LIMIT = 2 ** 48;
/**
 * `PTRS_PER_TABLE - 1`. An index is `(address / SIZE) & INDEX_MASK`: for an address already
 * checked to be a whole number below 2^48 the quotient is exact, `&` truncates it and keeps its
 * low 9 bits, and no floating-point remainder is computed (these run a few times per hypercall).
 */
const INDEX_MASK = PTRS_PER_TABLE - 1;
const UPPER_HALF = 2 ** 47;

/**
 * Read a virtual address written the usual way and keep its low 48 bits.
 *
 * Accepts a hex string (`"0xffff880000000000"`, underscores allowed), a BigInt,
 * or a number below 2^48 (already in this model's form). The 64-bit forms must
 * be canonical: bits 48..63 all equal to bit 47.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAGE_OFFSET, virt } from "@xenmmu/book";
 * assert.equal(virt("0xffff880000000000"), PAGE_OFFSET);
 * assert.throws(() => virt("0x0000880000000000"), /not canonical/);
 * ```
 *
 * @param address The address.
 * @returns Its low 48 bits.
 * @throws {RangeError} When the address is malformed, negative, too wide or not canonical.
 */
export function virt(address: string | bigint | number): number {
  if (typeof address === "number") {
    if (!Number.isInteger(address) || address < 0 || address >= VA_LIMIT) {
      throw new RangeError(
        `Virtual address ${address} is not a 48-bit number: pass 64-bit addresses as a string or BigInt`,
      );
    }
    return address;
  }
  let value: bigint;
  if (typeof address === "string") {
    const text = address.replaceAll("_", "");
    if (!/^0x[0-9a-f]{1,16}$/i.test(text)) {
      throw new RangeError(
        `Virtual address "${address}" is not a hex number of at most 16 digits starting with 0x`,
      );
    }
    value = BigInt(text);
  } else {
    value = address;
    if (value < 0n || value >= 1n << 64n) {
      throw new RangeError(`Virtual address ${value} does not fit in 64 bits`);
    }
  }
  const top = value >> 47n;
  if (top !== 0n && top !== 0x1ffffn) {
    throw new RangeError(
      `Virtual address 0x${value.toString(16)} is not canonical: bits 48..63 must all equal bit 47`,
    );
  }
  return Number(value & 0xffffffffffffn);
}

/**
 * Print an address in canonical 64-bit form, 16 hex digits with `0x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatVirt, PAGE_OFFSET } from "@xenmmu/book";
 * assert.equal(formatVirt(PAGE_OFFSET), "0xffff880000000000");
 * assert.equal(formatVirt(0x1000), "0x0000000000001000");
 * ```
 *
 * @param address A 48-bit address.
 * @returns The canonical spelling.
 */
export function formatVirt(address: number): string {
  checkVirt(address);
  const high = address >= UPPER_HALF ? "ffff" : "0000";
  return "0x" + high + address.toString(16).padStart(12, "0");
}

/**
 * Index of the PGD (L4) entry that maps `address`: bits 39..47.
 *
 * @param address A 48-bit address.
 * @returns 0..511.
 */
export function pgd_index(address: number): number {
  checkVirt(address);
  return (address / PGDIR_SIZE) & INDEX_MASK;
}

/**
 * Index of the PUD (L3) entry that maps `address`: bits 30..38.
 *
 * @param address A 48-bit address.
 * @returns 0..511.
 */
export function pud_index(address: number): number {
  checkVirt(address);
  return (address / PUD_SIZE) & INDEX_MASK;
}

/**
 * Index of the PMD (L2) entry that maps `address`: bits 21..29.
 *
 * @param address A 48-bit address.
 * @returns 0..511.
 */
export function pmd_index(address: number): number {
  checkVirt(address);
  return (address / PMD_SIZE) & INDEX_MASK;
}

/**
 * Index of the PTE (L1) entry that maps `address`: bits 12..20.
 *
 * @example Split the start of the direct map
 * ```ts
 * import assert from "node:assert/strict";
 * import { pgd_index, pmd_index, pte_index, pud_index, virt } from "@xenmmu/book";
 * const a = virt("0xffff880040201000");
 * assert.deepEqual([pgd_index(a), pud_index(a), pmd_index(a), pte_index(a)], [272, 1, 1, 1]);
 * ```
 *
 * @param address A 48-bit address.
 * @returns 0..511.
 */
export function pte_index(address: number): number {
  checkVirt(address);
  return (address / PAGE_SIZE) & INDEX_MASK;
}

/**
 * The direct-map address of a physical address (`__va`): `PAGE_OFFSET + pa`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { __va, formatVirt } from "@xenmmu/book";
 * assert.equal(formatVirt(__va(0x1000)), "0xffff880000001000");
 * ```
 *
 * @param pa A physical address below 64 TiB.
 * @returns The 48-bit virtual address.
 * @throws {RangeError} When `pa` is not an address inside the 64 TiB direct map.
 */
export function __va(pa: number): number {
  if (!Number.isInteger(pa) || pa < 0 || pa >= MAXMEM) {
    throw new RangeError(
      `Physical address ${pa} is outside the direct map: __va takes 0 <= pa < 64 TiB`,
    );
  }
  return PAGE_OFFSET + pa;
}

/**
 * The physical address behind a kernel virtual address (`__pa`, i.e.
 * `__phys_addr`): kernel-image addresses subtract `__START_KERNEL_map`
 * (`phys_base` is 0 here), direct-map addresses subtract `PAGE_OFFSET`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { __pa, virt } from "@xenmmu/book";
 * assert.equal(__pa(virt("0xffff880000001000")), 0x1000);
 * assert.equal(__pa(virt("0xffffffff81000000")), 0x1000000);
 * ```
 *
 * @param address A 48-bit kernel address in the direct map or the kernel image map.
 * @returns The physical address.
 * @throws {RangeError} When the address is in neither region.
 */
export function __pa(address: number): number {
  checkVirt(address);
  if (address >= __START_KERNEL_map) return address - __START_KERNEL_map;
  if (address >= PAGE_OFFSET && address < PAGE_OFFSET + MAXMEM) return address - PAGE_OFFSET;
  throw new RangeError(
    `Virtual address ${
      formatVirt(address)
    } has no __pa: it is neither in the direct map nor in the kernel image map`,
  );
}

function checkVirt(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address >= VA_LIMIT) {
    throw new RangeError(
      `Virtual address ${address} is not a 48-bit number: use virt() to read a 64-bit address`,
    );
  }
}
