/**
 * The hypervisor side: Xen 4.1's PV MMU as `xen/arch/x86/mm.c` implements
 * it, for one domain and one vCPU. Frames with their counts and types,
 * P2M/M2P, validation, pinning, CR3, `mmu_update`, `update_va_mapping`,
 * writable page-table emulation, the console, and the invariants.
 *
 * @module
 */

export * from "./public_xen.ts";
export * from "./type_info.ts";
export * from "./console.ts";
export * from "./xsa.ts";
export * from "./xen.ts";
export * from "./get_page_type.ts";
export * from "./page_lock.ts";
export * from "./get_page_from_entry.ts";
export * from "./alloc_table.ts";
export * from "./mod_entry.ts";
export * from "./do_mmu_update.ts";
export * from "./do_mmuext_op.ts";
export * from "./guest_map_l1e.ts";
export * from "./do_update_va_mapping.ts";
export * from "./guest_write.ts";
export * from "./do_set_trap_table.ts";
export * from "./do_guest_trap.ts";
export * from "./do_sched_op.ts";
export * from "./check_invariants.ts";
export * from "./state_digest.ts";
export * from "./who_maps.ts";
export * from "./start_of_day_layout.ts";
export * from "./build_pv_domain.ts";
export * from "./quiz_xen.ts";
