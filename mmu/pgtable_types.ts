/**
 * Entry flags and page-table levels, named as in Linux 2.6.39
 * `arch/x86/include/asm/pgtable_types.h`.
 *
 * A flags word here is an unsigned 32-bit number: bits 0..11 are bits 0..11 of the entry,
 * and {@linkcode _PAGE_NX} stands for bit 63 of the entry. Linux's `pgprot_t`
 * is 64 bits wide; this model packs it into 32 so that flags stay plain
 * JavaScript numbers (bits 12..30 of a flags word are never used: in an entry
 * they hold the frame number).
 *
 * @module
 */

/** The entry is present: the hardware follows it. */
export const _PAGE_PRESENT = 0x001;
/** Writes are allowed through this entry. */
export const _PAGE_RW = 0x002;
/** User mode may use this entry. */
export const _PAGE_USER = 0x004;
/** Page-level write-through. */
export const _PAGE_PWT = 0x008;
/** Page-level cache disable. */
export const _PAGE_PCD = 0x010;
/** Set by the CPU when the entry is used for a translation. */
export const _PAGE_ACCESSED = 0x020;
/** Set by the CPU on a write through a leaf entry. */
export const _PAGE_DIRTY = 0x040;
/** Page size: in a PUD entry a 1 GiB page, in a PMD entry a 2 MiB page. */
export const _PAGE_PSE = 0x080;
/** Global: the translation survives a CR3 reload. */
export const _PAGE_GLOBAL = 0x100;
/** No-execute: bit 63 of the entry, bit 31 of a flags word in this model. */
export const _PAGE_NX = 0x80000000;

/** The flag bits a flags word may hold. */
export const PAGE_FLAGS_MASK: number = (0x1ff | _PAGE_NX) >>> 0;

/** Flags of an intermediate kernel table entry, `_KERNPG_TABLE` (P RW A D). */
export const _KERNPG_TABLE: number = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/** Flags of an intermediate table entry reachable from user mode, `_PAGE_TABLE`. */
export const _PAGE_TABLE: number = _KERNPG_TABLE | _PAGE_USER;
/**
 * Kernel data, `__PAGE_KERNEL` of Linux 2.6.39 x86-64: P RW A D G NX (`0x8000000000000163`).
 * Linux masks it with `__supported_pte_mask` when it makes an entry (`pfn_pte`): natively the
 * mask keeps G, while a Xen PV guest clears G from it in `xen_start_kernel`, so its ptes read
 * `0x8000000000000063`.
 */
export const PAGE_KERNEL: number =
  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX) >>> 0;
/** Read-only kernel data, `__PAGE_KERNEL_RO`: {@linkcode PAGE_KERNEL} without RW (`…161`). */
export const PAGE_KERNEL_RO: number = (PAGE_KERNEL & ~_PAGE_RW) >>> 0;
/** Kernel text, `__PAGE_KERNEL_EXEC`: {@linkcode PAGE_KERNEL} without NX (`0x163`). */
export const PAGE_KERNEL_EXEC: number = (PAGE_KERNEL & ~_PAGE_NX) >>> 0;
/** A 2 MiB or 1 GiB kernel page, `__PAGE_KERNEL_LARGE` (`…1e3`). */
export const PAGE_KERNEL_LARGE: number = (PAGE_KERNEL | _PAGE_PSE) >>> 0;

/**
 * The size of the page an entry maps, as `lookup_address` reports it
 * (`enum pg_level`; the order is the kernel's).
 */
export const PG_LEVEL_NONE = 0;
/** A 4 KiB page: `lookup_address` returned a PTE. */
export const PG_LEVEL_4K = 1;
/** A 2 MiB page: `lookup_address` returned a PMD entry. */
export const PG_LEVEL_2M = 2;
/** A 1 GiB page: `lookup_address` returned a PUD entry. */
export const PG_LEVEL_1G = 3;

/** One of the `PG_LEVEL_*` values. */
export type PgLevel =
  | typeof PG_LEVEL_NONE
  | typeof PG_LEVEL_4K
  | typeof PG_LEVEL_2M
  | typeof PG_LEVEL_1G;

/** The kernel's name of each {@linkcode PgLevel}, for messages and dumps. */
export const PG_LEVEL_NAMES: readonly string[] = [
  "PG_LEVEL_NONE",
  "PG_LEVEL_4K",
  "PG_LEVEL_2M",
  "PG_LEVEL_1G",
];

/**
 * The four table levels, by Linux's name. Xen calls the same tables L4 (pgd),
 * L3 (pud), L2 (pmd) and L1 (pte).
 */
export type TableLevel = "pgd" | "pud" | "pmd" | "pte";

/** Xen's name for each table level. */
export const XEN_LEVEL_NAME: Readonly<Record<TableLevel, string>> = {
  pgd: "L4",
  pud: "L3",
  pmd: "L2",
  pte: "L1",
};
