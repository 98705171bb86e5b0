/**
 * The figure of chapter 10: the outcome of every profile at every size, on Xen and on bare
 * metal, each failing cell named by its mechanism.
 *
 * @module
 */

import { boot } from "../../boot/boot.ts";
import { failureMechanism, OUTCOME_PROFILES, OUTCOME_SIZES } from "../../boot/outcome_table.ts";
import { COLORS, type Panel, rect, shift, stack, svgDocument, text } from "./svg.ts";

/**
 * The sizes of the figure: the book's table up to 5 GiB, which holds every mechanism and the size
 * where the published range starts to fail; chapter 10's table goes on to 8 GiB, and `deno task
 * outcomes` to 64 GiB. (The bound keeps the redraw, and so the freshness test, to a few seconds.)
 */
export const OUTCOME_MAP_SIZES: ReadonlyArray<readonly [string, number]> = OUTCOME_SIZES.filter((
  [, bytes],
) => bytes <= 5 * 2 ** 30);

/** A colour per mechanism. */
const CELL: Readonly<Record<string, string>> = {
  ok: "#b6e3c4",
  A: "#f5b7b1",
  P: "#f9d77e",
  V: "#d7bde2",
  R: "#aed6f1",
};

/** What each letter means, for the key. */
const MEANING: ReadonlyArray<readonly [string, string]> = [
  ["ok", "boots"],
  ["A", "RW fixmap alias of a page table refused (ptwr_emulate): oops"],
  ["P", "pin refused: the page is still writable elsewhere: BUG, domain crashed"],
  ["V", "pin refused: the table's own entries map a table writable: BUG, domain crashed"],
  ["R", "write to a freed window page left read-only: oops"],
];

/**
 * Every cell of one grid.
 *
 * @param hypervisor `xen` or `native`.
 * @returns `cells[profile][size]`: `ok` or the mechanism's letter.
 */
export function outcomeCells(hypervisor: "xen" | "native"): string[][] {
  return OUTCOME_PROFILES.map((kernel) =>
    OUTCOME_MAP_SIZES.map(([, memory]) => failureMechanism(boot({ kernel, memory, hypervisor })))
  );
}

/**
 * Draw `outcome_map.svg`.
 *
 * @returns The SVG text.
 */
export function outcomeMap(): string {
  const width = 960;
  const xen = outcomeCells("xen"), native = outcomeCells("native");
  const heading: Panel = {
    height: 26,
    body: [
      text(20, 20, "Every profile at every size: Xen PV, and the native control", {
        size: 16,
        bold: true,
      }),
    ],
  };
  const key: Panel = {
    height: MEANING.length * 20,
    body: MEANING.flatMap(([letter, words], i) => [
      rect(20, i * 20, 34, 16, CELL[letter], { stroke: COLORS.ink }),
      text(37, i * 20 + 12, letter, { size: 11, anchor: "middle", bold: true }),
      text(62, i * 20 + 12, words, { size: 12 }),
    ]),
  };
  const panel = stack([heading, grid("Xen PV", xen), grid("native control", native), key], 16);
  const failing = xen.flat().filter((c) => c !== "ok").length;
  return svgDocument({
    width,
    height: panel.height + 24,
    title: "The outcome map: every profile at every size, on Xen and in the native control",
    desc: `Profiles ${OUTCOME_PROFILES.join(", ")} at ${
      OUTCOME_MAP_SIZES.map(([n]) => n).join(", ")
    }. On Xen ${failing} of ${xen.flat().length} cells fail: ` +
      OUTCOME_PROFILES.map((p, i) =>
        `${p} ${xen[i].join(" ")}`
      ).join("; ") +
      `. In the native control (the same boot with native paravirt ops and 4 KiB pages) ${
        native.flat().filter((c) => c === "ok").length
      } of ` +
      `${native.flat().length} boot.`,
    body: shift(panel.body, 10),
  });
}

/** One grid: a row per profile, a column per size. */
function grid(title: string, cells: string[][]): Panel {
  const left = 170, cellW = 78, cellH = 26;
  const body: string[] = [text(20, 16, title, { size: 14, bold: true })];
  OUTCOME_MAP_SIZES.forEach(([name], j) =>
    body.push(
      text(left + j * cellW + cellW / 2, 16, name, { size: 12, anchor: "middle", bold: true }),
    )
  );
  OUTCOME_PROFILES.forEach((profile, i) => {
    const y = 24 + i * cellH;
    body.push(text(20, y + 17, profile, { size: 12, mono: true }));
    cells[i].forEach((c, j) => {
      body.push(rect(left + j * cellW + 1, y + 1, cellW - 2, cellH - 2, CELL[c] ?? "#ffffff", {
        stroke: COLORS.grid,
      }));
      body.push(text(left + j * cellW + cellW / 2, y + 18, c, {
        size: 13,
        anchor: "middle",
        bold: c !== "ok",
        fill: c === "ok" ? COLORS.ok : COLORS.ink,
      }));
    });
  });
  return { height: 24 + OUTCOME_PROFILES.length * cellH, body };
}
