/**
 * The book's figures, drawn from the model as SVG text. Browser-safe: nothing here touches Deno
 * or Node, so the web edition and `deno task sim --svg` draw with the same code.
 *
 * @module
 */

export * from "./svg.ts";
export * from "./event_log.ts";
export * from "./record_boot.ts";
export * from "./window_map.ts";
export * from "./pgt_buf_windows.ts";
export * from "./failure_timeline.ts";
export * from "./failure_timelines.ts";
export * from "./boot_figure.ts";
export * from "./walk_from_cr3.ts";
export * from "./lookup_address_stops.ts";
export * from "./type_info_word.ts";
export * from "./start_of_day_layout.ts";
export * from "./pte_page_life.ts";
export * from "./mapping_front.ts";
export * from "./outcome_map.ts";
export * from "./top_down_steps.ts";
export * from "./pinning_states.ts";
export * from "./figures.ts";
