/**
 * What the full sweep of chapter 13 found, as data, and two pictures of it along the size axis: a
 * text strip (one character per cell of sizes) and a self-contained SVG. The data is checked
 * against a real sweep by `tests/bench/sweep_bench.ts`; the chapter checks every boundary in it
 * with boots on both sides.
 *
 * @module
 */

/**
 * The runs of every profile from 128 MiB to 8 GiB at 1 MiB steps on Xen, as `deno task sweep`
 * prints them (see {@linkcode formatSweepRun}).
 */
export const SWEEP_FINDINGS: Readonly<Record<string, readonly string[]>> = {
  "2.6.38": ["128–8192 MiB ok"],
  "2.6.39": ["128–8192 MiB ok"],
  "2.6.39-rc1": ["128–8192 MiB A pfn 0x1601"],
  "published-range": [
    "128–4104 MiB ok",
    "4105–5126 MiB P pfn 0x1000f3…0x13fdf2",
    "5127–5128 MiB ok",
    "5129–6150 MiB P pfn 0x1400f3…0x17fdf2",
    "6151–6152 MiB ok",
    "6153–7174 MiB P pfn 0x1800f3…0x1bfdf2",
    "7175–7176 MiB ok",
    "7177–8192 MiB P pfn 0x1c00f3…0x1ff7f2",
  ],
  "2.6.39-rc-top": [
    "128–4096 MiB R pfn 0x7fff…0xfffff",
    "4097–4103 MiB ok",
    "4104–8192 MiB R pfn 0x1007ff…0x1fffff",
  ],
  "alloc-hooks": ["128–8192 MiB V pfn 0x7fbe…0xff7fb"],
  "3.9": ["128–8192 MiB ok"],
};

/** A run read back from its printed line: sizes in MiB and the mechanism. */
export interface SweepSpan {
  /** First size, MiB. */
  readonly from: number;
  /** Last size, MiB. */
  readonly to: number;
  /** `ok` or the mechanism's letter. */
  readonly mechanism: string;
}

/**
 * Read a run back from the line `deno task sweep` printed for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSweepRun } from "@xenmmu/book";
 * assert.deepEqual(parseSweepRun("5127–5128 MiB ok"), { from: 5127, to: 5128, mechanism: "ok" });
 * assert.deepEqual(parseSweepRun("4105 MiB P pfn 0x1000f3"), { from: 4105, to: 4105, mechanism: "P" });
 * ```
 *
 * @param line A line of the sweep.
 * @returns The run's sizes and mechanism.
 * @throws {RangeError} Naming the line, when it is not such a line.
 */
export function parseSweepRun(line: string): SweepSpan {
  const m = /^(\d+)(?:–(\d+))? MiB (ok|[A-Z]\??|[a-z]+\?)(?: pfn .*)?$/.exec(line);
  if (m === null) {
    throw new RangeError(`"${line}" is not a line of the sweep: "FROM–TO MiB MECHANISM [pfn …]"`);
  }
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]), mechanism: m[3] };
}

/**
 * A text strip of one profile's runs: one character per `cell` MiB from `from` (inclusive) to
 * `to` (exclusive): `.` where every size boots, the mechanism's letter where every size fails the
 * same way, `*` where the cell holds more than one outcome.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepStrip } from "@xenmmu/book";
 * const runs = ["1–10 MiB ok", "11–11 MiB P pfn 0x1", "12–40 MiB ok"];
 * assert.equal(sweepStrip(runs, 1, 41, 10), ".*..");
 * ```
 *
 * @param runs The profile's runs, as printed.
 * @param from The first size, MiB.
 * @param to The end of the axis, MiB (exclusive).
 * @param cell MiB per character.
 * @returns The strip.
 */
export function sweepStrip(
  runs: readonly string[],
  from: number,
  to: number,
  cell: number,
): string {
  const spans = runs.map(parseSweepRun);
  let strip = "";
  for (let lo = from; lo < to; lo += cell) {
    const hi = Math.min(lo + cell, to) - 1;
    const seen = new Set(
      spans.filter((s) => s.to >= lo && s.from <= hi).map((s) => s.mechanism),
    );
    if (seen.size !== 1) strip += seen.size === 0 ? " " : "*";
    else strip += [...seen][0] === "ok" ? "." : [...seen][0][0];
  }
  return strip;
}

/** Fill colours of the figure, by mechanism. */
const COLOURS: Readonly<Record<string, string>> = {
  ok: "#a8d8a8",
  A: "#e8a33d",
  P: "#d1495b",
  R: "#7b5ea7",
  V: "#2e86ab",
};

/**
 * The figure of chapter 13: each profile's outcome along the size axis, one band per profile,
 * a GiB grid; a run too narrow to see (a few MiB) is drawn 3 px wide, taller than its band and
 * outlined.
 *
 * @param findings The runs of each profile, as printed, in the order to draw them.
 * @param from The first size of the axis, MiB.
 * @param to The last size of the axis, MiB (inclusive).
 * @returns An SVG document.
 */
export function sweepFigureSvg(
  findings: Readonly<Record<string, readonly string[]>>,
  from: number,
  to: number,
): string {
  const left = 130, width = 760, top = 40, band = 24, gap = 8;
  const profiles = Object.keys(findings);
  const height = top + profiles.length * (band + gap) + 50;
  const x = (mib: number) => left + ((mib - from) / (to + 1 - from)) * width;
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 20}" height="${height}" ` +
    `viewBox="0 0 ${left + width + 20} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>Where each profile breaks: the outcome at every size from ${from} MiB to ${
      to / 1024
    } GiB on Xen</title>`,
    `<desc>One band per profile along the size axis, coloured by outcome (ok, or the mechanism A, ` +
    `P, V or R of the failure), from a sweep at 1 MiB steps; narrow runs a few MiB wide are drawn ` +
    `taller and outlined.</desc>`,
    `<rect x="0" y="0" width="${left + width + 20}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14">Outcome of every size on Xen, ${from} MiB to ${
      to / 1024
    } GiB, 1 MiB steps</text>`,
  ];
  const axisY = top + profiles.length * (band + gap);
  // the GiB grid first, under the bands
  for (let gib = Math.ceil(from / 1024); gib <= Math.floor(to / 1024); gib++) {
    const gx = f(x(gib * 1024));
    out.push(
      `<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${axisY}" stroke="#555555" ` +
        `stroke-width="0.5" stroke-dasharray="2,2"/>`,
      `<text x="${gx}" y="${axisY + 14}" text-anchor="middle">${gib} GiB</text>`,
    );
  }
  profiles.forEach((kernel, row) => {
    const y = top + row * (band + gap);
    out.push(`<text x="${left - 8}" y="${y + band / 2 + 4}" text-anchor="end">${kernel}</text>`);
    const spans = findings[kernel].map(parseSweepRun);
    // wide runs first, then the narrow ones (a few MiB) on top, taller and outlined so they show
    const narrow = (s: SweepSpan) => x(s.to + 1) - x(s.from) < 3;
    for (const span of [...spans.filter((s) => !narrow(s)), ...spans.filter(narrow)]) {
      const fill = COLOURS[span.mechanism] ?? "#999999";
      const title = `<title>${kernel}: ${span.from}–${span.to} MiB ${span.mechanism}</title>`;
      if (narrow(span)) {
        out.push(
          `<rect x="${f(x(span.from) - 1.5)}" y="${y - 4}" width="3" height="${band + 8}" ` +
            `fill="${fill}" stroke="#222222" stroke-width="0.6">${title}</rect>`,
        );
      } else {
        const x0 = x(span.from);
        out.push(
          `<rect x="${f(x0)}" y="${y}" width="${f(x(span.to + 1) - x0)}" height="${band}" ` +
            `fill="${fill}">${title}</rect>`,
        );
      }
    }
  });
  let lx = left;
  for (const [name, fill] of Object.entries(COLOURS)) {
    out.push(
      `<rect x="${lx}" y="${axisY + 26}" width="12" height="12" fill="${fill}"/>`,
      `<text x="${lx + 16}" y="${axisY + 36}">${name}</text>`,
    );
    lx += 60;
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
