/**
 * Every figure of the book: its file name, the chapter it belongs to, and the function that draws
 * it from the model. `deno task figures` writes them all; the freshness test redraws them all.
 *
 * @module
 */

import { SWEEP_FINDINGS, sweepFigureSvg } from "../../boot/sweep_figure.ts";
import { pgtBufWindows } from "./pgt_buf_windows.ts";
import { failureFigure } from "./failure_timelines.ts";
import { walkFromCr3 } from "./walk_from_cr3.ts";
import { lookupAddressStops } from "./lookup_address_stops.ts";
import { typeInfoWord } from "./type_info_word.ts";
import { startOfDayLayoutFigure } from "./start_of_day_layout.ts";
import { ptePageLife } from "./pte_page_life.ts";
import { mappingFront } from "./mapping_front.ts";
import { outcomeMap } from "./outcome_map.ts";
import { topDownSteps } from "./top_down_steps.ts";
import { pinningStates } from "./pinning_states.ts";

/** One figure of the book. */
export interface Figure {
  /** The file name in `docs/figures/`. */
  readonly file: string;
  /** The chapter file that embeds it. */
  readonly chapter: string;
  /** Draw it: the SVG text. */
  readonly draw: () => string;
}

/** The figures, in chapter order. */
export const FIGURES: readonly Figure[] = [
  { file: "walk_from_cr3.svg", chapter: "01_x86_paging.md", draw: walkFromCr3 },
  { file: "lookup_address_stops.svg", chapter: "02_lookup_address.md", draw: lookupAddressStops },
  { file: "type_info_word.svg", chapter: "03_xen_pv_mmu.md", draw: typeInfoWord },
  { file: "pinning_states.svg", chapter: "04_pinning.md", draw: pinningStates },
  { file: "start_of_day_layout.svg", chapter: "05_start_of_day.md", draw: startOfDayLayoutFigure },
  { file: "pgt_buf_windows.svg", chapter: "06_pgt_buf.md", draw: pgtBufWindows },
  { file: "pte_page_life.svg", chapter: "07_init_memory_mapping.md", draw: ptePageLife },
  { file: "failure_A.svg", chapter: "08_published_range.md", draw: () => failureFigure("A") },
  { file: "failure_P.svg", chapter: "08_published_range.md", draw: () => failureFigure("P") },
  { file: "mapping_front.svg", chapter: "08_published_range.md", draw: mappingFront },
  { file: "failure_V.svg", chapter: "09_alloc_pte_hooks.md", draw: () => failureFigure("V") },
  { file: "failure_R.svg", chapter: "10_pagetable_reserve.md", draw: () => failureFigure("R") },
  { file: "outcome_map.svg", chapter: "10_pagetable_reserve.md", draw: outcomeMap },
  { file: "top_down_steps.svg", chapter: "11_top_down.md", draw: topDownSteps },
  // the sweep's findings, recorded in boot/sweep_figure.ts and checked against a real sweep
  {
    file: "13_sweep.svg",
    chapter: "13_sweep.md",
    draw: () => sweepFigureSvg(SWEEP_FINDINGS, 128, 8192),
  },
];
