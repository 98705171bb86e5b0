/**
 * Constants of the public hypercall interface, as Xen 4.1's
 * `xen/include/public/xen.h` defines them, and the error code the MMU
 * hypercalls return.
 *
 * @module
 */

/** `-EINVAL`: what a refused MMU hypercall returns. */
export const EINVAL: number = -22;

/** `mmu_update` command in `ptr[1:0]`: checked `*ptr = val`, `ptr` is a machine address. */
export const MMU_NORMAL_PT_UPDATE = 0;
/** `mmu_update` command: update the M2P entry of the frame `ptr` names to `val`. */
export const MMU_MACHPHYS_UPDATE = 1;
/** `mmu_update` command: as {@linkcode MMU_NORMAL_PT_UPDATE}, keeping the old A and D bits. */
export const MMU_PT_UPDATE_PRESERVE_AD = 2;

/** `mmuext_op`: pin a frame as an L1 table (validating it). */
export const MMUEXT_PIN_L1_TABLE = 0;
/** `mmuext_op`: pin a frame as an L2 table. */
export const MMUEXT_PIN_L2_TABLE = 1;
/** `mmuext_op`: pin a frame as an L3 table. */
export const MMUEXT_PIN_L3_TABLE = 2;
/** `mmuext_op`: pin a frame as an L4 table. */
export const MMUEXT_PIN_L4_TABLE = 3;
/** `mmuext_op`: drop the pin of a frame. */
export const MMUEXT_UNPIN_TABLE = 4;
/** `mmuext_op`: load a new L4 into CR3 (`new_guest_cr3`). */
export const MMUEXT_NEW_BASEPTR = 5;
/** `mmuext_op`: flush this vCPU's TLB. */
export const MMUEXT_TLB_FLUSH_LOCAL = 6;
/** `mmuext_op`: flush one address from this vCPU's TLB. */
export const MMUEXT_INVLPG_LOCAL = 7;
/** `mmuext_op`: flush the TLBs of a set of vCPUs. */
export const MMUEXT_TLB_FLUSH_MULTI = 8;
/** `mmuext_op`: flush one address from the TLBs of a set of vCPUs. */
export const MMUEXT_INVLPG_MULTI = 9;
/** `mmuext_op`: flush the TLBs of every vCPU of the domain. */
export const MMUEXT_TLB_FLUSH_ALL = 10;
/** `mmuext_op`: flush one address from the TLBs of every vCPU. */
export const MMUEXT_INVLPG_ALL = 11;
/** `mmuext_op` (x86-64): load the L4 used in user mode; mfn 0 means none. */
export const MMUEXT_NEW_USER_BASEPTR = 15;

/** `update_va_mapping` flag: no flush. */
export const UVMF_NONE = 0;
/** `update_va_mapping` flag: flush the whole TLB. */
export const UVMF_TLB_FLUSH = 1;
/** `update_va_mapping` flag: flush the one address. */
export const UVMF_INVLPG = 2;
/** `update_va_mapping` flags: the flush-type bits. */
export const UVMF_FLUSHTYPE_MASK = 3;
/** `update_va_mapping` flag: flush this vCPU only. */
export const UVMF_LOCAL = 0;
/** `update_va_mapping` flag: flush every vCPU of the domain. */
export const UVMF_ALL = 4;
