/**
 * Sizes and the x86-64 kernel address-space layout of Linux 2.6.39, as in
 * `arch/x86/include/asm/page_64_types.h` and `pgtable_64_types.h`.
 *
 * Virtual addresses in this model are numbers holding the low 48 bits of the
 * address. x86-64 requires the top 16 bits to be copies of bit 47 ("canonical"
 * form), so they carry no information; keeping them would push kernel addresses
 * past 2^53, the largest integer a JavaScript number holds exactly. See
 * {@linkcode virt} and {@linkcode formatVirt} in `virtual_address.ts`.
 *
 * @module
 */

/** log2 of the page size: pages are 4 KiB. */
export const PAGE_SHIFT = 12;
/** Bytes in a page (and in a frame). */
export const PAGE_SIZE = 4096;
/** Entries in a table of any level: 4096 bytes / 8 bytes per entry. */
export const PTRS_PER_TABLE = 512;

/** Bits of the address consumed below a PMD entry: one PMD entry covers 2 MiB. */
export const PMD_SHIFT = 21;
/** Bits of the address consumed below a PUD entry: one PUD entry covers 1 GiB. */
export const PUD_SHIFT = 30;
/** Bits of the address consumed below a PGD entry: one PGD entry covers 512 GiB. */
export const PGDIR_SHIFT = 39;

/** Bytes mapped by one PMD entry (2 MiB). */
export const PMD_SIZE: number = 2 ** PMD_SHIFT;
/** Bytes mapped by one PUD entry (1 GiB). */
export const PUD_SIZE: number = 2 ** PUD_SHIFT;
/** Bytes mapped by one PGD entry (512 GiB). */
export const PGDIR_SIZE: number = 2 ** PGDIR_SHIFT;

/** Width of a virtual address on 4-level x86-64. */
export const VIRTUAL_ADDRESS_BITS = 48;

/**
 * Start of the direct map of all physical memory in Linux 2.6.39 x86-64,
 * `0xffff880000000000`, kept as its low 48 bits.
 */
export const PAGE_OFFSET: number = 0x880000000000;

/** Size of the direct-map region in 2.6.39: 64 TiB (`MAXMEM`, `__PHYSICAL_MASK_SHIFT` 46). */
export const MAXMEM: number = 2 ** 46;

/** Where the kernel image is mapped, `0xffffffff80000000`, kept as its low 48 bits. */
export const __START_KERNEL_map: number = 0xffff80000000;
