/**
 * `windowMap`: one boot's page-table windows, to scale against the memory each
 * `init_memory_mapping` call maps and against `max_pfn_mapped` as the call found it, with a
 * close-up of each window that labels `start`, `end` and `top`.
 *
 * @module
 */

// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { bootName, type BootRecord } from "./record_boot.ts";
import { getProfile } from "../../boot/profiles.ts";
import { COLORS, hex, line, type Panel, rect, text } from "./svg.ts";

const GIB_PFNS = 0x40000;
const LEFT = 20;
const BAR = 18;

/**
 * Draw the windows of one boot.
 *
 * @param record The recorded boot.
 * @param width The width of the panel in px.
 * @returns The panel: a heading, then per call a full-scale bar and a close-up of its window.
 */
export function windowMap(record: BootRecord, width: number): Panel {
  const r = record.result;
  const body: string[] = [];
  const right = width - 20;
  body.push(
    text(
      LEFT,
      18,
      `${bootName(r)}`,
      { size: 15, bold: true },
    ),
  );
  const axisEnd = Math.max(record.maxPfn, ...record.calls.map((c) => c.end));
  const x = scaleLinear().domain([0, axisEnd]).range([LEFT, right]);
  let y = 30;
  if (record.calls.length === 0) {
    body.push(text(LEFT, y + 14, "no init_memory_mapping call ran", { fill: COLORS.muted }));
    return { height: y + 24, body };
  }
  // 3.9 has one window (the BRK seed) and several calls: the BRK seed goes with the first call
  const windowOf = (i: number) => record.windows[i];
  record.calls.forEach((call, i) => {
    const w = windowOf(i);
    body.push(
      text(
        LEFT,
        y + 12,
        `call ${i + 1}: init_memory_mapping maps pfns [${hex(call.start)}, ${hex(call.end)}); ` +
          `max_pfn_mapped was ${hex(call.maxPfnMapped)}`,
      ),
    );
    y += 20;
    body.push(rect(LEFT, y, right - LEFT, BAR, COLORS.unmapped, { stroke: COLORS.grid }));
    body.push(rect(LEFT, y, x(call.maxPfnMapped) - LEFT, BAR, COLORS.mapped));
    body.push(
      rect(x(call.start), y + 2, Math.max(2, x(call.end) - x(call.start)), BAR - 4, "none", {
        stroke: COLORS.path,
        "stroke-width": 2,
      }),
    );
    if (w !== undefined) {
      const wx = x(w.start), wr = Math.max(x(w.top), wx + 3);
      body.push(rect(wx, y - 4, wr - wx, BAR + 8, COLORS.used, { stroke: COLORS.ink }));
    }
    y += BAR;
    // GiB ticks under the bar
    const step = Math.max(1, Math.ceil(axisEnd / GIB_PFNS / 8)) * GIB_PFNS;
    for (let t = 0; t <= axisEnd; t += step) {
      body.push(line(x(t), y, x(t), y + 4, COLORS.muted));
      const label = t === 0 ? "0" : `${hex(t)} (${t / GIB_PFNS} GiB)`;
      const anchor = t === 0 ? "start" : x(t) > right - 60 ? "end" : "middle";
      body.push(text(x(t), y + 16, label, { size: 11, mono: true, anchor }));
    }
    y += 24;
    if (w === undefined) {
      const why = getProfile(r.kernel).rules.code === "3.9"
        ? "no window of its own: 3.9 takes its table pages from memory already mapped"
        : "no window: this call took no table pages";
      body.push(text(LEFT, y + 12, why, { fill: COLORS.muted }));
      y += 24;
      return;
    }
    y = closeUp(body, record, call.maxPfnMapped, i, x(w.start), x(w.top), y, right);
    y += 14;
  });
  return { height: y, body };
}

/** The close-up of window `i` under its bar, joined to it by two lines; returns the new y. */
function closeUp(
  body: string[],
  record: BootRecord,
  maxPfnMapped: number,
  i: number,
  fromLeft: number,
  fromRight: number,
  y: number,
  right: number,
): number {
  const w = record.windows[i];
  const size = Math.max(1, w.top - w.start);
  const pad = Math.ceil(size * 0.15);
  const lo = w.start - pad, hi = w.top + pad;
  const left = LEFT + 80, zr = right - 80;
  const z = scaleLinear().domain([lo, hi]).range([left, zr]);
  const top = y + 18;
  body.push(
    line(fromLeft, y - 24, left, top, COLORS.muted, { "stroke-dasharray": "3 3" }),
    line(Math.max(fromRight, fromLeft + 3), y - 24, zr, top, COLORS.muted, {
      "stroke-dasharray": "3 3",
    }),
  );
  body.push(rect(left, top, zr - left, BAR + 6, COLORS.unmapped, { stroke: COLORS.grid }));
  if (maxPfnMapped > lo) {
    body.push(rect(left, top, z(Math.min(maxPfnMapped, hi)) - left, BAR + 6, COLORS.mapped));
  }
  body.push(rect(z(w.start), top, z(w.end) - z(w.start), BAR + 6, COLORS.used));
  body.push(
    rect(z(w.end), top, z(w.top) - z(w.end), BAR + 6, COLORS.window, { stroke: COLORS.ink }),
  );
  body.push(rect(z(w.start), top, z(w.top) - z(w.start), BAR + 6, "none", { stroke: COLORS.ink }));
  const used = w.end - w.start;
  if (z(w.end) - z(w.start) > 150) {
    body.push(
      text((z(w.start) + z(w.end)) / 2, top + 17, `${used} pages used`, { anchor: "middle" }),
    );
  }
  if (z(w.top) - z(w.end) > 150) {
    body.push(text((z(w.end) + z(w.top)) / 2, top + 17, `${w.top - w.end} pages never used`, {
      anchor: "middle",
    }));
  }
  const below = top + BAR + 6;
  // start, end and top: ticks and labels; end is dropped below when it would touch the others
  const marks: Array<[string, number]> = [["start", w.start], ["end", w.end], ["top", w.top]];
  const placed: number[] = [];
  for (const [name, pfn] of marks) {
    const px = z(pfn);
    const clash = placed.some((p) => Math.abs(p - px) < 120);
    const ly = below + (clash ? 34 : 16);
    body.push(line(px, top - 4, px, ly - 11, COLORS.ink));
    body.push(text(px, ly, `${name} ${hex(pfn)}`, { mono: true, anchor: "middle", size: 12 }));
    if (!clash) placed.push(px);
  }
  // max_pfn_mapped: on the close-up when it falls inside it, else said in words
  if (maxPfnMapped >= lo && maxPfnMapped <= hi) {
    const px = z(maxPfnMapped);
    body.push(line(px, top - 10, px, top + BAR + 6, COLORS.ok, { "stroke-width": 2 }));
    body.push(text(px, top - 13, `max_pfn_mapped ${hex(maxPfnMapped)}`, {
      mono: true,
      anchor: px > (left + zr) / 2 ? "end" : "start",
      size: 12,
      fill: COLORS.ok,
    }));
  } else {
    const where = maxPfnMapped < lo
      ? `max_pfn_mapped ${hex(maxPfnMapped)} is ${hex(w.start - maxPfnMapped)} pages below start`
      : `max_pfn_mapped ${hex(maxPfnMapped)} is above top: the whole window is mapped`;
    body.push(text(LEFT, below + 54, where, { size: 12, fill: COLORS.ok, mono: true }));
    return below + 62;
  }
  return below + 42;
}

/**
 * The colour key of {@linkcode windowMap}.
 *
 * @param x Left.
 * @param y Top.
 * @returns The panel (two lines).
 */
export function windowMapLegend(x: number, y: number): Panel {
  const items: Array<[string, string]> = [
    [COLORS.mapped, "mapped when the call began (below max_pfn_mapped)"],
    [COLORS.used, "window: pages handed out [start, end)"],
    [COLORS.window, "window: never used [end, top)"],
  ];
  const out: string[] = [];
  items.forEach(([color, label], i) => {
    const cx = x + (i % 2) * 440, cy = y + Math.floor(i / 2) * 20;
    out.push(rect(cx, cy, 14, 14, color, { stroke: COLORS.ink }));
    out.push(text(cx + 20, cy + 12, label, { size: 12 }));
  });
  out.push(rect(x + 440, y + 20, 14, 14, "none", { stroke: COLORS.path, "stroke-width": 2 }));
  out.push(text(x + 460, y + 32, "what the call maps, [start, end) of the call", { size: 12 }));
  return { height: 40, body: out };
}
