/**
 * A frame's `type_info` word, kept in one unsigned 32-bit number laid out as
 * the high half of Xen 4.1's 64-bit word (`asm-x86/mm.h`): the type in bits
 * 28..31 (Xen's bits 60..63, `PG_mask(x, 4)`), `PGT_pinned` in bit 27 (Xen's
 * bit 59), `PGT_validated` in bit 26 (Xen's 58) and `PGT_locked` in bit 23
 * (Xen's 55). Xen keeps the type count in the low 55 bits; the model keeps it
 * in bits 0..22, which is plenty for any boot it simulates, and prints it in
 * the low half so that the 16 hex digits read exactly as Xen prints `%016lx`.
 *
 * @module
 */

/** No special use (`PGT_none`). */
export const PGT_none = 0;
/** An L1 table, `PGT_l1_page_table` (0x1000000000000000). */
export const PGT_l1_page_table = 1;
/** An L2 table, `PGT_l2_page_table`. */
export const PGT_l2_page_table = 2;
/** An L3 table, `PGT_l3_page_table`. */
export const PGT_l3_page_table = 3;
/** An L4 table, `PGT_l4_page_table` (`PGT_root_page_table` on x86-64). */
export const PGT_l4_page_table = 4;
/** Mapped writable somewhere, `PGT_writable_page` (0x7000000000000000). */
export const PGT_writable_page = 7;

/** One of the `PGT_*` type codes (Xen's bits 60..63). */
export type PageType =
  | typeof PGT_none
  | typeof PGT_l1_page_table
  | typeof PGT_l2_page_table
  | typeof PGT_l3_page_table
  | typeof PGT_l4_page_table
  | typeof PGT_writable_page;

/** Bit 27 of the model's word, Xen's `PGT_pinned` (bit 59). */
export const PGT_PINNED = 0x08000000;
/** Bit 26 of the model's word, Xen's `PGT_validated` (bit 58). */
export const PGT_VALIDATED = 0x04000000;
/**
 * Bit 23 of the model's word, Xen's `PGT_locked` (bit 55): set by `page_lock`
 * while Xen edits an entry of the table, together with one more type count.
 */
export const PGT_LOCKED = 0x00800000;
/** The type count bits of the model's word. */
export const PGT_COUNT_MASK = 0x007fffff;
/** The bits of the model's word that Xen prints in the high half. */
const HIGH_BITS = 0xfc800000;

/**
 * The type code in a `type_info` word.
 *
 * @param word The model's 32-bit `type_info` word.
 * @returns Its `PGT_*` code.
 */
export function pageTypeOf(word: number): number {
  return word >>> 28;
}

/**
 * Print a `type_info` word as Xen's `PRtype_info` (`%016lx`) does.
 *
 * An L1 table, validated, with type count 2 prints as `1400000000000002`.
 *
 * @param word The model's 32-bit `type_info` word.
 * @returns 16 lower-case hex digits.
 */
export function formatTypeInfo(word: number): string {
  return formatHex32((word & HIGH_BITS) >>> 0) + formatHex32(word & PGT_COUNT_MASK);
}

/**
 * Print a requested type (`PGT_l1_page_table` ...) as Xen prints the `exp`
 * of a "Bad type" line: the type in bits 60..63, nothing else.
 *
 * @param type A `PGT_*` code.
 * @returns 16 hex digits, e.g. `1000000000000000`.
 */
export function formatPageType(type: number): string {
  return formatHex32((type << 28) >>> 0) + "00000000";
}

/**
 * Xen's name of a type code, for messages and dumps.
 *
 * @param type A `PGT_*` code.
 * @returns E.g. `PGT_l1_page_table`.
 */
export function pageTypeName(type: number): string {
  switch (type) {
    case PGT_none:
      return "PGT_none";
    case PGT_l1_page_table:
      return "PGT_l1_page_table";
    case PGT_l2_page_table:
      return "PGT_l2_page_table";
    case PGT_l3_page_table:
      return "PGT_l3_page_table";
    case PGT_l4_page_table:
      return "PGT_l4_page_table";
    case PGT_writable_page:
      return "PGT_writable_page";
    default:
      return `type ${type}`;
  }
}

/**
 * Eight hex digits of an unsigned 32-bit number.
 *
 * @param n The number.
 * @returns Lower-case hex, zero-padded.
 */
export function formatHex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
