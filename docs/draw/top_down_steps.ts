/**
 * The figure of chapter 11: Linux 3.9's `init_mem_mapping` step by step, each step's range to
 * scale against what the steps before it mapped, and where each step's page tables came from.
 *
 * @module
 */

// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { recordBoot } from "./record_boot.ts";
import { COLORS, formatSize, hex, line, rect, shift, svgDocument, text } from "./svg.ts";

const MEMORY = 2 ** 30;

/**
 * Draw `top_down_steps.svg`.
 *
 * @returns The SVG text.
 */
export function topDownSteps(): string {
  const record = recordBoot({ kernel: "3.9", memory: MEMORY });
  const seed = record.windows[0];
  const width = 960, left = 20, right = width - 20, rowH = 58;
  const axisEnd = Math.max(...record.calls.map((c) => c.end));
  const x = scaleLinear().domain([0, axisEnd]).range([left, right]);
  const body: string[] = [];
  body.push(text(left, 22, `Linux 3.9 maps top-down: ${formatSize(MEMORY)} domU, step by step`, {
    size: 16,
    bold: true,
  }));
  let y = 40;
  const mapped: Array<[number, number]> = [];
  const descs: string[] = [];
  record.calls.forEach((call, i) => {
    const from = call.at, to = record.calls[i + 1]?.at ?? record.events.length;
    const pages: number[] = [];
    for (let k = from; k < to; k++) {
      const e = record.events.get(k);
      if (e.kind === "alloc_low_page") pages.push(e.pfn);
    }
    const fromSeed = pages.filter((p) => p >= seed.start && p < seed.top).length;
    const rest = pages.filter((p) => p < seed.start || p >= seed.top);
    const parts = [
      ...(fromSeed > 0 ? [`${fromSeed} from the BRK seed`] : []),
      ...(rest.length > 0
        ? [`${rest.length} from [${hex(Math.min(...rest))}, ${hex(Math.max(...rest) + 1)})`]
        : []),
    ];
    const tables = pages.length === 0
      ? "no new table page"
      : `${pages.length} table page${pages.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
    body.push(
      text(
        left,
        y + 12,
        `step ${i + 1}: init_memory_mapping [${hex(call.start)}, ${hex(call.end)})` +
          ` (${formatSize((call.end - call.start) * 4096)}); ${tables}`,
        { size: 12 },
      ),
    );
    const by = y + 20;
    body.push(rect(left, by, right - left, 18, COLORS.unmapped, { stroke: COLORS.grid }));
    for (const [s, e] of mapped) body.push(rect(x(s), by, x(e) - x(s), 18, COLORS.mapped));
    body.push(
      rect(x(call.start), by, Math.max(2, x(call.end) - x(call.start)), 18, COLORS.table, {
        stroke: COLORS.path,
        "stroke-width": 2,
        opacity: 0.85,
      }),
    );
    // where the table pages came from: a tick per run of pages, under the bar
    for (const px of new Set(pages.map((p) => Math.round(x(p))))) {
      body.push(line(px, by + 20, px, by + 30, COLORS.used, { "stroke-width": 2 }));
    }
    mapped.push([call.start, call.end]);
    descs.push(`step ${i + 1} [${hex(call.start)}, ${hex(call.end)}): ${tables}`);
    y += rowH;
  });
  // the axis
  const step = Math.max(1, Math.ceil(axisEnd / 0x40000 / 8)) * 0x10000;
  for (let t = 0; t <= axisEnd; t += step) {
    body.push(line(x(t), y - 4, x(t), y, COLORS.muted));
    body.push(
      text(x(t), y + 12, hex(t), {
        size: 11,
        mono: true,
        anchor: t === 0 ? "start" : x(t) > right - 40 ? "end" : "middle",
      }),
    );
  }
  body.push(text(right, y + 28, "pfn, to scale", { size: 11, anchor: "end", fill: COLORS.muted }));
  y += 40;
  const key: Array<[string, string, string]> = [
    [COLORS.mapped, "", "mapped by the steps before"],
    [COLORS.table, COLORS.path, "this step's range"],
    [COLORS.used, "", `a table page this step took (BRK seed at ${hex(seed.start)})`],
  ];
  key.forEach(([fill, stroke, words], i) => {
    const kx = left + i * 300;
    body.push(rect(kx, y, 14, 14, fill, { stroke: stroke === "" ? COLORS.ink : stroke }));
    body.push(text(kx + 20, y + 12, words, { size: 12 }));
  });
  return svgDocument({
    width,
    height: y + 26,
    title: "Linux 3.9's top-down steps against the memory they map",
    desc: `3.9 boots a ${formatSize(MEMORY)} domU in ${record.calls.length} steps; ` +
      descs.join("; ") + ".",
    body: shift(body, 0),
  });
}
