/**
 * Linux early boot on a 64-bit Xen PV domU, 2.6.38 and 2.6.39: the e820 map `xen_memory_setup`
 * builds, memblock and its named reservations, `max_pfn` / `max_low_pfn` / `max_pfn_mapped`,
 * the `init_memory_mapping` calls, and `find_early_table_space` — where the page-table window
 * goes.
 *
 * @module
 */

export * from "./kernel_version.ts";
export * from "./kernel_panic.ts";
export * from "./printk.ts";
export * from "./e820.ts";
export * from "./memblock.ts";
export * from "./memblock_x86.ts";
export * from "./xen_memory_setup.ts";
export * from "./trim_bios_range.ts";
export * from "./xen_initial_max_pfn_mapped.ts";
export * from "./setup_dom_u_memory.ts";
export * from "./init_memory_mapping_calls.ts";
export * from "./find_early_table_space.ts";
export * from "./kernel_fault.ts";
export * from "./fault.ts";
export * from "./early_trap_init.ts";
export * from "./profiles.ts";
export * from "./kernel.ts";
export * from "./paravirt.ts";
export * from "./early_memremap.ts";
export * from "./alloc_low_page.ts";
export * from "./kernel_physical_mapping_init.ts";
export * from "./init_memory_mapping.ts";
export * from "./setup_kernel_pagetable.ts";
export * from "./boot.ts";
export * from "./parse_memory_size.ts";
export * from "./outcome_table.ts";
export * from "./init_mem_mapping.ts";
export * from "./quiz_boot.ts";
export * from "./quiz.ts";
export * from "./format_event.ts";
export * from "./stop_at.ts";
export * from "./machine_query.ts";
export * from "./scenario.ts";
export * from "./page_info_of.ts";
export * from "./estimate_boot_bytes.ts";
export * from "./sweep.ts";
export * from "./sweep_figure.ts";
