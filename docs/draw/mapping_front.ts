/**
 * The figure of chapters 7 and 8: the mapping front against `pgt_buf_end`, 2 MiB chunk by chunk,
 * over each `init_memory_mapping` call of the `published-range` boot that fails with P.
 *
 * @module
 */

// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { type BootRecord, recordBoot } from "./record_boot.ts";
import {
  COLORS,
  el,
  formatSize,
  hex,
  line,
  type Panel,
  rect,
  shift,
  stack,
  svgDocument,
  text,
} from "./svg.ts";

/** The boot of the figure: the smallest size at which the published range fails. */
export const MAPPING_FRONT_BOOT = { kernel: "published-range", memory: 4.5 * 2 ** 30 } as const;

/** One call's curve: after each chunk, the front and `pgt_buf_end`. */
interface Curve {
  readonly front: number[];
  readonly bufEnd: number[];
}

/** The chunk events of call `i`. */
function curveOf(record: BootRecord, i: number): Curve {
  const from = record.calls[i].at, to = record.calls[i + 1]?.at ?? record.events.length;
  const front: number[] = [], bufEnd: number[] = [];
  for (let k = from; k < to; k++) {
    const e = record.events.get(k);
    if (e.kind !== "chunk") continue;
    front.push(e.front);
    bufEnd.push(e.bufEnd);
  }
  return { front, bufEnd };
}

/**
 * Draw `mapping_front.svg`.
 *
 * @returns The SVG text.
 */
export function mappingFront(): string {
  const record = recordBoot(MAPPING_FRONT_BOOT);
  const width = 960;
  const panels = record.calls.map((_, i) => callPanel(record, i, width));
  const heading: Panel = {
    height: 30,
    body: [
      text(
        20,
        22,
        `The mapping front against pgt_buf_end: ${MAPPING_FRONT_BOOT.kernel}, ` +
          `${
            formatSize(MAPPING_FRONT_BOOT.memory)
          } domU (${record.result.outcome}, ${record.mechanism})`,
        {
          size: 16,
          bold: true,
        },
      ),
    ],
  };
  const key: Panel = {
    height: 60,
    body: [
      line(20, 10, 44, 10, COLORS.ok, { "stroke-width": 3 }),
      text(50, 14, "the mapping front: the end of the last 2 MiB chunk whose ptes were written", {
        size: 12,
      }),
      line(20, 30, 44, 30, COLORS.used, { "stroke-width": 3 }),
      text(
        50,
        34,
        "pgt_buf_end: the next window page to be handed out; [start, end) is published",
        {
          size: 12,
        },
      ),
      rect(20, 43, 24, 12, COLORS.refused, { opacity: 0.35 }),
      text(
        50,
        54,
        "window pages mapped by the front before they were taken: their ptes stay " +
          "writable under the published-range rule",
        { size: 12 },
      ),
    ],
  };
  const panel = stack([heading, ...panels, key], 14);
  return svgDocument({
    width,
    height: panel.height + 20,
    title: `The mapping front against pgt_buf_end, chunk by chunk (${MAPPING_FRONT_BOOT.kernel})`,
    desc: `For each init_memory_mapping call of ${MAPPING_FRONT_BOOT.kernel} at ` +
      `${formatSize(MAPPING_FRONT_BOOT.memory)}, the mapping front and pgt_buf_end after each ` +
      `2 MiB chunk, drawn against the call's window: ` +
      record.windows.map((w, i) =>
        `call ${i + 1} window [${hex(w.start)}, ${hex(w.top)}), end ${hex(w.end)}`
      ).join("; ") + `. The boot ends ${record.result.outcome} (${record.mechanism}).`,
    body: shift(panel.body, 6),
  });
}

/** One call: x is the chunk number, y the pfn, zoomed to the call's window. */
function callPanel(record: BootRecord, i: number, width: number): Panel {
  const call = record.calls[i], w = record.windows[i];
  const curve = curveOf(record, i);
  const n = Math.max(1, curve.front.length);
  const left = 110, right = width - 150, top = 42, h = 150;
  const pad = Math.ceil((w.top - w.start) * 0.25);
  const lo = w.start - pad, hi = w.top + pad;
  // a broken x axis: the chunks before the front comes near the window share the left third,
  // the last few (where the story is) get the rest
  const near = curve.front.findIndex((f) => f >= lo);
  const k0 = Math.max(0, (near < 0 ? n : near) - 4);
  const mid = k0 > 0 ? left + (right - left) * 0.3 : left;
  const x = scaleLinear().domain([0, k0, n]).range([left, mid, right]);
  const y = scaleLinear().domain([lo, hi]).range([top + h, top]).clamp(true);
  const body: string[] = [];
  const failedHere = record.result.outcome !== "ok" && i === record.calls.length - 1;
  body.push(
    text(
      20,
      16,
      `call ${i + 1}: [${hex(call.start)}, ${hex(call.end)}), ${n} chunks` +
        (failedHere ? `; the boot stops during this call` : ""),
      {
        size: 13,
        bold: true,
        fill: failedHere ? COLORS.refused : COLORS.ink,
      },
    ),
  );
  body.push(rect(left, top, right - left, h, COLORS.unmapped));
  body.push(
    rect(left, y(w.top), right - left, y(w.start) - y(w.top), COLORS.window, { opacity: 0.6 }),
  );
  // the danger: window pages at or above pgt_buf_end and below the front
  const danger: string[] = [];
  for (let k = 0; k < curve.front.length; k++) {
    const f = Math.min(curve.front[k], w.top), e = Math.max(curve.bufEnd[k], w.start);
    if (f > e) {
      danger.push(
        rect(x(k), y(f), x(k + 1) - x(k), y(e) - y(f), COLORS.refused, { opacity: 0.35 }),
      );
    }
  }
  body.push(...danger);
  // a staircase, one step per change of value and at most one per px: where many chunks share a
  // px (the compressed part of the axis), the step drawn is the last of them
  const path = (vs: number[]) => {
    const pts: Array<[number, number]> = [];
    vs.forEach((v, k) => {
      const px = Math.round(x(k));
      const py = Math.round(y(v) * 10) / 10;
      const last = pts.at(-1);
      if (last !== undefined && last[0] === px) last[1] = py;
      else if (last === undefined || last[1] !== py) pts.push([px, py]);
    });
    let d = "";
    pts.forEach(([px, py], k) => {
      d += k === 0 ? `M${px},${py}` : `H${px}V${py}`;
    });
    return d + `H${Math.round(x(vs.length))}`;
  };
  body.push(
    el("path", { d: path(curve.front), fill: "none", stroke: COLORS.ok, "stroke-width": 2.5 }),
  );
  body.push(
    el("path", { d: path(curve.bufEnd), fill: "none", stroke: COLORS.used, "stroke-width": 2.5 }),
  );
  body.push(rect(left, top, right - left, h, "none", { stroke: COLORS.ink }));
  // labels on the right: the window's start and top, the final end
  for (const [name, v] of [["top", w.top], ["start", w.start]] as const) {
    body.push(line(right, y(v), right + 6, y(v), COLORS.ink));
    body.push(text(right + 10, y(v) + 4, `${name} ${hex(v)}`, { size: 12, mono: true }));
  }
  const lastEnd = curve.bufEnd.at(-1) ?? w.start;
  body.push(text(right + 10, (y(w.start) + y(w.top)) / 2 + 4, `end ${hex(lastEnd)}`, {
    size: 12,
    mono: true,
    fill: COLORS.used,
  }));
  body.push(text(left - 8, top + 12, hex(hi), { size: 11, mono: true, anchor: "end" }));
  body.push(text(left - 8, top + h / 2 + 4, "pfn", { size: 12, anchor: "end", bold: true }));
  body.push(text(left - 8, top + h, hex(lo), { size: 11, mono: true, anchor: "end" }));
  body.push(
    text(left - 8, top + h + 14, "(below: clamped)", {
      size: 10,
      anchor: "end",
      fill: COLORS.muted,
    }),
  );
  const ticks = k0 > 0
    ? [
      ...scaleLinear().domain([0, k0]).ticks(3).filter((t) => t < k0 * 0.85),
      k0,
      ...scaleLinear().domain([k0, n]).ticks(8).filter((t) => Number.isInteger(t) && t > k0),
    ]
    : x.ticks(8).filter((t) => Number.isInteger(t));
  for (const t of ticks) {
    body.push(line(x(t), top + h, x(t), top + h + 4, COLORS.muted));
    body.push(text(x(t), top + h + 16, String(t), { size: 11, anchor: "middle" }));
  }
  if (k0 > 0) {
    body.push(line(mid, top, mid, top + h, COLORS.ink, { "stroke-dasharray": "4 3" }));
    body.push(text(mid - 6, top - 5, `chunks 0..${k0}: the front is below the window`, {
      size: 11,
      anchor: "end",
      fill: COLORS.muted,
    }));
    body.push(
      text(mid + 6, top - 5, `chunks ${k0}..${n}, drawn wider`, { size: 11, fill: COLORS.muted }),
    );
  }
  body.push(text(right, top + h + 30, "2 MiB chunks written so far in this call", {
    size: 11,
    anchor: "end",
    fill: COLORS.muted,
  }));
  if (failedHere && record.failure !== null) {
    const fy = y(record.failure.pfn);
    body.push(el("circle", { cx: x(n), cy: fy, r: 5, fill: COLORS.refused }));
    body.push(text(x(n) - 8, fy - 8, `pin of ${hex(record.failure.pfn)} refused`, {
      size: 12,
      anchor: "end",
      fill: COLORS.refused,
      bold: true,
    }));
  }
  return { height: top + h + 36, body };
}
