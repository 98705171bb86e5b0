/**
 * `failureTimeline`: one boot as a timeline of its events, with the moment it stopped, what Xen
 * and the kernel printed, and every entry that maps the page the failure is about.
 *
 * @module
 */

// @ts-types="@types/d3-scale"
import { scaleLinear } from "d3-scale";
import { bootName, type BootRecord } from "./record_boot.ts";
import type { EventLog, RecordedEvent } from "./event_log.ts";
import { COLORS, el, hex, line, type Panel, rect, text } from "./svg.ts";

const LEFT = 20;
const LANE_LABEL = 170;
const LANE = 26;

/**
 * Draw one boot's timeline.
 *
 * @param record The recorded boot.
 * @param width The panel's width in px.
 * @returns The panel.
 */
export function failureTimeline(record: BootRecord, width: number): Panel {
  const r = record.result;
  const body: string[] = [];
  const right = width - 30;
  const n = Math.max(1, record.events.length);
  const x = scaleLinear().domain([0, n]).range([LEFT + LANE_LABEL, right]);
  const failed = r.outcome !== "ok";
  const verdict = failed ? `${r.outcome}, mechanism ${record.mechanism}` : "ok";
  body.push(
    text(
      LEFT,
      18,
      `${bootName(r)}: ${verdict}`,
      { size: 15, bold: true, fill: failed ? COLORS.refused : COLORS.ok },
    ),
  );
  let y = 34;
  // lane 1: the init_memory_mapping calls
  body.push(text(LEFT, y + 17, "init_memory_mapping", { size: 12 }));
  record.calls.forEach((call, i) => {
    const from = x(call.at), to = x(record.calls[i + 1]?.at ?? n);
    body.push(rect(from, y + 2, to - from - 1, LANE - 4, COLORS.table, { stroke: COLORS.ink }));
    const label = `${i + 1}: [${hex(call.start)}, ${hex(call.end)})`;
    if (to - from > label.length * 7.3 + 8) {
      body.push(text(from + 4, y + 18, label, { size: 12, mono: true }));
    } else if (to - from > 18) body.push(text(from + 4, y + 18, `${i + 1}`, { size: 12 }));
  });
  y += LANE + 4;
  // lanes 2 and 3: table pages taken, and the mapping front, as they grow
  const lanes: Array<[string, (e: RecordedEvent) => boolean, string]> = [
    ["table pages taken", (e) => e.kind === "alloc_low_page", COLORS.used],
    ["2 MiB chunks mapped", (e) => e.kind === "chunk", COLORS.mapped],
    ["Xen hooks (pv_alloc)", (e) => e.kind === "pv_alloc", COLORS.readonly],
  ];
  for (const [label, match, color] of lanes) {
    const total = record.events.count(match);
    body.push(text(LEFT, y + 17, label, { size: 12 }));
    body.push(rect(x(0), y + 2, x(n) - x(0), LANE - 4, COLORS.unmapped));
    if (total > 0) body.push(growth(record.events, match, total, x, y + 2, LANE - 4, color));
    body.push(text(right + 4, y + 17, String(total), { size: 11, mono: true }));
    y += LANE;
  }
  // refused hypercalls
  body.push(text(LEFT, y + 17, "refused hypercalls", { size: 12 }));
  body.push(rect(x(0), y + 2, x(n) - x(0), LANE - 4, COLORS.unmapped));
  let refused = 0;
  record.events.forEach((e, i) => {
    if (e.kind === "hypercall" && e.rc !== 0) {
      refused++;
      body.push(line(x(i + 0.5), y + 2, x(i + 0.5), y + LANE - 2, COLORS.refused, {
        "stroke-width": 3,
      }));
    }
  });
  body.push(text(right + 4, y + 17, String(refused), { size: 11, mono: true }));
  y += LANE;
  // the axis
  body.push(line(x(0), y + 2, x(n), y + 2, COLORS.muted));
  for (const t of x.ticks(6)) {
    body.push(line(x(t), y + 2, x(t), y + 6, COLORS.muted));
    body.push(text(x(t), y + 18, String(t), { size: 11, anchor: "middle", mono: true }));
  }
  body.push(text(x(n), y + 34, `boot events (${record.events.length} in all)`, {
    size: 12,
    anchor: "end",
    fill: COLORS.muted,
  }));
  const laneTop = 34, laneBottom = y + 2;
  if (failed) {
    body.push(line(x(n), laneTop - 6, x(n), laneBottom, COLORS.refused, { "stroke-width": 3 }));
    body.push(text(x(n) - 6, laneTop - 8, "stops here", {
      size: 12,
      anchor: "end",
      fill: COLORS.refused,
      bold: true,
    }));
  }
  y += 44;
  y = story(body, record, y, width);
  return { height: y, body };
}

/** A cumulative count as a filled area over the events (at most one point per px). */
function growth(
  events: EventLog,
  match: (e: RecordedEvent) => boolean,
  total: number,
  x: (v: number) => number,
  top: number,
  h: number,
  color: string,
): string {
  const points: string[] = [`${x(0).toFixed(1)},${(top + h).toFixed(1)}`];
  // a staircase: flat until an event, then up; a step only where it moves by half a px or more
  let count = 0, lastPx = -1, lastY = top + h;
  events.forEach((e, i) => {
    if (!match(e)) return;
    count++;
    const px = Math.round(x(i + 0.5));
    const y = Math.round((top + h - (h * count) / total) * 2) / 2;
    if ((px === lastPx || y === lastY) && count !== total) return;
    points.push(`${px},${lastY}`, `${px},${y}`);
    lastPx = px;
    lastY = y;
  });
  points.push(`${x(events.length).toFixed(1)},${top}`, `${x(events.length).toFixed(1)},${top + h}`);
  return el("polygon", { points: points.join(" "), fill: color, stroke: COLORS.ink });
}

/** The words under the timeline: the moment, the logs, who maps the page. Returns the new y. */
function story(body: string[], record: BootRecord, y: number, width: number): number {
  const r = record.result;
  const last = record.events.findLast((e) => e.kind !== "printk");
  const mono = { size: 12, mono: true } as const;
  const head = (s: string) => {
    body.push(text(LEFT, y, s, { size: 13, bold: true }));
    y += 18;
  };
  const say = (s: string, fill: string = COLORS.ink) => {
    for (const part of wrap(s, Math.floor((width - 2 * LEFT - 10) / 7.3))) {
      body.push(text(LEFT + 10, y, part, { ...mono, fill }));
      y += 16;
    }
  };
  if (r.outcome === "ok") {
    head("The boot got through init_memory_mapping and the early allocations.");
    const w = r.pgt_buf;
    w.forEach((b, i) =>
      say(`window ${i + 1}: start ${hex(b.start)} end ${hex(b.end)} top ${hex(b.top)}`)
    );
    return y + 4;
  }
  head(
    `The moment: after event ${record.events.length}` +
      (last === undefined ? "" : `; the last one that is not a printk: ${describe(last)}`),
  );
  y += 4;
  head(r.xen_log.length > 0 ? "Xen's console:" : "Xen's console: nothing (no hypercall failed)");
  for (const l of r.xen_log.slice(0, 4)) {
    say(l, l.includes("Bad type") ? COLORS.refused : COLORS.ink);
  }
  if (r.xen_log.length > 4) say(`... ${r.xen_log.length - 4} more lines (the crash report)`);
  y += 4;
  const kernelSays = r.log.slice(r.log.length - (r.panic ?? "").split("\n").length);
  head(
    r.outcome === "bug" && r.xen_log.some((l) => l.includes("crashed"))
      ? "The kernel prints nothing: its BUG() has no handler yet, and Xen crashes the domain."
      : "The kernel prints:",
  );
  if (!(r.outcome === "bug" && r.xen_log.some((l) => l.includes("crashed")))) {
    for (const l of kernelSays.slice(0, 3)) say(l, COLORS.refused);
  }
  y += 4;
  const f = record.failure;
  if (f !== null) {
    head(`Who maps pfn ${hex(f.pfn)} when the boot stops:`);
    if (f.mappings.length === 0) say("no entry maps it");
    for (const m of f.mappings) {
      const table = m.tablePfn === null ? `mfn ${hex(m.tableMfn)}` : `pfn ${hex(m.tablePfn)}`;
      const state = m.tableType === "none"
        ? ""
        : ` (${m.tableType}${m.validated ? ", validated" : ""}${m.pinned ? ", pinned" : ""})`;
      // an entry of an L2, L3 or L4 links the page in as the next table down: its RW bit
      // is no writable mapping of the page (the CPU and Xen combine it with the levels below)
      const link = /PGT_l[234]_page_table/.test(m.tableType);
      say(
        `entry ${m.index} of the table at ${table}${state}: ` +
          (link ? "links it in as a table" : m.writable ? "maps it WRITABLE" : "maps it read-only"),
        !link && m.writable ? COLORS.refused : COLORS.ink,
      );
    }
  }
  return y + 4;
}

/** One event in words. */
function describe(e: RecordedEvent): string {
  switch (e.kind) {
    case "hypercall":
      return `a hypercall returning ${e.rc}`;
    case "chunk":
      return `a 2 MiB chunk mapped (front at pfn ${hex(e.front)})`;
    default:
      return e.pfn >= 0 ? `${e.kind} of pfn ${hex(e.pfn)}` : e.kind;
  }
}

/** Cut a line at spaces so that no piece is longer than `max` characters. */
function wrap(s: string, max: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    const cut = rest.lastIndexOf(" ", max);
    const at = cut > max / 2 ? cut : max;
    out.push(rest.slice(0, at));
    rest = "    " + rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}
