/**
 * The figure of chapter 6: the windows of 2.6.38 and 2.6.39 in a 1 GiB domU, to scale.
 *
 * @module
 */

import { recordBoot } from "./record_boot.ts";
import { hex, shift, stack, svgDocument } from "./svg.ts";
import { windowMap, windowMapLegend } from "./window_map.ts";

/**
 * Draw `pgt_buf_windows.svg`: both releases boot a 1 GiB domU; each call's window is drawn to
 * scale against what the call maps and against `max_pfn_mapped`, with a close-up of the window.
 *
 * @returns The SVG text.
 */
export function pgtBufWindows(): string {
  const width = 960;
  const records = ["2.6.38", "2.6.39"].map((kernel) => recordBoot({ kernel, memory: 2 ** 30 }));
  const panel = stack([...records.map((r) => windowMap(r, width)), windowMapLegend(20, 0)], 16);
  const [w38, w39] = records.map((r) => r.windows[0]);
  return svgDocument({
    width,
    height: panel.height + 16,
    title: "pgt_buf: where 2.6.38 and 2.6.39 put the page-table window, 1 GiB domU",
    desc: `2.6.38's window [${hex(w38.start)}, ${hex(w38.top)}) sits just below max_pfn_mapped ` +
      `${hex(records[0].calls[0].maxPfnMapped)}, in memory already mapped; 2.6.39's first window ` +
      `[${hex(w39.start)}, ${hex(w39.top)}) sits at the top of the first GiB, far above ` +
      `max_pfn_mapped ${hex(records[1].calls[0].maxPfnMapped)}.`,
    body: shift(panel.body, 8),
  });
}
