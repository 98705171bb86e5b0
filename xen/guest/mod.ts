/**
 * Linux's Xen PV glue for early boot (`arch/x86/xen/mmu.c`): the paravirt MMU operations, the
 * alloc hooks, and the helpers they use. It talks to Xen only through hypercalls.
 *
 * @module
 */

export * from "./xen_mmu_ops.ts";
export * from "./xen_load_idt.ts";
export * from "./xen_panic_event.ts";
export * from "./xen_pv_prot.ts";
export * from "./masked_pte_flags.ts";
