/**
 * `bootFigure`: the picture of any one boot, as `deno task sim --svg FILE` draws it: its windows
 * to scale, then its timeline up to the end or the failure.
 *
 * @module
 */

import { failureTimeline } from "./failure_timeline.ts";
import { bootName, type BootRecord } from "./record_boot.ts";
import { shift, stack, svgDocument } from "./svg.ts";
import { windowMap, windowMapLegend } from "./window_map.ts";

/**
 * Draw one boot: the window map, its key, and the timeline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootFigure, recordBoot } from "./mod.ts";
 * const svg = bootFigure(recordBoot({ kernel: "2.6.39", memory: 2 ** 28 }));
 * assert.match(svg, /<title>2\.6\.39 on Xen, 256 MiB: ok<\/title>/);
 * ```
 *
 * @param record The recorded boot.
 * @returns The SVG text.
 */
export function bootFigure(record: BootRecord): string {
  const width = 960;
  const r = record.result;
  const panel = stack([
    windowMap(record, width),
    windowMapLegend(20, 0),
    failureTimeline(record, width),
  ], 20);
  const outcome = r.outcome === "ok" ? "ok" : `${r.outcome} (${record.mechanism})`;
  return svgDocument({
    width,
    height: panel.height + 16,
    title: `${bootName(r)}: ${outcome}`,
    desc: `The page-table windows of this boot to scale against what each init_memory_mapping ` +
      `call maps and against max_pfn_mapped, then the boot as a timeline of its ` +
      `${record.events.length} events up to its end` +
      (r.outcome === "ok" ? "." : `, what Xen and the kernel printed, and who maps the page.`),
    body: shift(panel.body, 8),
  });
}
