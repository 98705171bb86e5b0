/**
 * The hardware: x86-64 4-level paging, entries and their flags, the page walk,
 * `lookup_address`, and dumps in QEMU's formats.
 *
 * @module
 */

export * from "./page_64_types.ts";
export * from "./pgtable_types.ts";
export * from "./entry.ts";
export * from "./virtual_address.ts";
export * from "./hex_or_value.ts";
export * from "./hex.ts";
export * from "./page_table_memory.ts";
export * from "./walk.ts";
export * from "./lookup_address.ts";
export * from "./for_each_leaf.ts";
export * from "./find_entries.ts";
export * from "./info_tlb.ts";
export * from "./info_mem.ts";
export * from "./seeded_random.ts";
export type { QuizProblem } from "./quiz_problem.ts";
export * from "./quiz_walk.ts";
