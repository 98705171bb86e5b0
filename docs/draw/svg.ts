/**
 * The few SVG pieces every figure is made of, written as text: no DOM, so the same code runs in
 * Deno, in a browser and in `deno task sim --svg`.
 *
 * @module
 */

/** The palette: chosen to read on the figure's own light background, whatever page it sits on. */
export const COLORS: Readonly<Record<string, string>> = {
  background: "#ffffff",
  ink: "#1f2328",
  muted: "#59636e",
  grid: "#d0d7de",
  mapped: "#b6e3c4",
  unmapped: "#eef1f4",
  window: "#f3c969",
  used: "#d9822b",
  table: "#9cc3f5",
  path: "#0969da",
  readonly: "#8250df",
  refused: "#cf222e",
  ok: "#1a7f37",
};

/** The sans-serif stack for labels and the monospace one for numbers. */
export const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
/** The monospace stack, for hex numbers as the prose prints them. */
export const MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace";

/**
 * Escape text for an SVG text node or attribute value.
 *
 * @param s Any text.
 * @returns The text with `&`, `<`, `>`, `"` and `'` escaped.
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${ENTITIES[c]};`);
}

const ENTITIES: Record<string, string> = {
  "&": "amp",
  "<": "lt",
  ">": "gt",
  '"': "quot",
  "'": "apos",
};

export { hex } from "../../mmu/hex.ts";

/** Attributes of an element: undefined values are left out. */
export type Attrs = Readonly<Record<string, string | number | undefined>>;

/**
 * One element, self-closing when it has no content.
 *
 * @param name The tag.
 * @param attrs Its attributes (numbers are rounded to 0.1 so that files stay stable and small).
 * @param content Markup inside it, already escaped.
 * @returns The element's text.
 */
export function el(name: string, attrs: Attrs, content?: string): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? round(v) : escapeXml(v!)}"`)
    .join("");
  return content === undefined ? `<${name}${a}/>` : `<${name}${a}>${content}</${name}>`;
}

/** Round to one decimal, without a trailing `.0`. */
function round(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Options of {@linkcode text}. */
export interface TextOptions {
  /** Font size in px. @default {13} */
  size?: number;
  /** `start`, `middle` or `end`. @default {"start"} */
  anchor?: "start" | "middle" | "end";
  /** Fill colour. @default {COLORS.ink} */
  fill?: string;
  /** Monospace (for numbers). @default {false} */
  mono?: boolean;
  /** Bold. @default {false} */
  bold?: boolean;
  /** Italic. @default {false} */
  italic?: boolean;
}

/**
 * A text element: the words stay text, searchable and selectable.
 *
 * @param x Its x.
 * @param y Its baseline.
 * @param s The words (escaped here).
 * @param options Size, anchor, colour, font.
 * @returns The element.
 */
export function text(x: number, y: number, s: string, options: TextOptions = {}): string {
  return el("text", {
    x,
    y,
    "font-size": options.size ?? 13,
    "font-family": options.mono ? MONO : undefined,
    "text-anchor": options.anchor === "start" ? undefined : options.anchor,
    fill: options.fill ?? undefined,
    "font-weight": options.bold ? "bold" : undefined,
    "font-style": options.italic ? "italic" : undefined,
    // runs of spaces are part of what the kernel prints (`at           (null)`): keep them
    "xml:space": / {2}/.test(s) ? "preserve" : undefined,
  }, escapeXml(s));
}

/**
 * A rectangle.
 *
 * @param x Left.
 * @param y Top.
 * @param w Width (negative widths are drawn as zero).
 * @param h Height.
 * @param fill Fill colour.
 * @param extra More attributes (stroke, rx, ...).
 * @returns The element.
 */
export function rect(
  x: number,
  y: number,
  w: number,
  h: number,
  fill: string,
  extra: Attrs = {},
): string {
  return el("rect", { x, y, width: Math.max(0, w), height: Math.max(0, h), fill, ...extra });
}

/**
 * A straight line.
 *
 * @param x1 Start x.
 * @param y1 Start y.
 * @param x2 End x.
 * @param y2 End y.
 * @param stroke Colour.
 * @param extra More attributes (stroke-width, stroke-dasharray, marker-end, ...).
 * @returns The element.
 */
export function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  extra: Attrs = {},
): string {
  return el("line", { x1, y1, x2, y2, stroke, ...extra });
}

/** Arrowhead markers: `url(#arrow)` in ink, `url(#arrow-path)` in the highlight colour. */
export const ARROW_DEFS: string = "<defs>" +
  [["arrow", COLORS.ink], ["arrow-path", COLORS.path], ["arrow-refused", COLORS.refused]]
    .map(([id, color]) =>
      el(
        "marker",
        {
          id,
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        el("path", { d: "M0,0 L10,5 L0,10 z", fill: color }),
      )
    ).join("") +
  "</defs>";

/** What every figure file has. */
export interface SvgDocument {
  /** Width in px (the figure is drawn for a laptop screen: about 900 to 1000). */
  width: number;
  /** Height in px. */
  height: number;
  /** The `<title>`: what a screen reader announces and a browser tab shows. */
  title: string;
  /** The `<desc>`: what the figure shows, in a sentence or two, with its numbers. */
  desc: string;
  /** The drawing, already SVG. */
  body: string[];
}

/**
 * The whole file: the XML header, `<title>`, `<desc>`, an explicit background (so the figure
 * reads on light and dark pages alike) and the default font.
 *
 * @param doc Size, title, description, body.
 * @returns The SVG text, ending in a newline.
 */
export function svgDocument(doc: SvgDocument): string {
  const { width, height } = doc;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" font-family="${FONT}" fill="${COLORS.ink}">`,
    el("title", {}, escapeXml(doc.title)),
    el("desc", {}, escapeXml(doc.desc)),
    ARROW_DEFS,
    rect(0, 0, width, height, COLORS.background),
    ...doc.body,
    "</svg>",
    "",
  ].join("\n");
}

/** A piece of a figure: its drawing, in its own coordinates from (0, 0), and its height. */
export interface Panel {
  /** The height it takes, in px. */
  readonly height: number;
  /** Its elements. */
  readonly body: readonly string[];
}

/**
 * Panels one below the other, each moved down by the heights above it.
 *
 * @param panels The panels, top first.
 * @param gap Space between two panels, in px.
 * @returns One panel.
 */
export function stack(panels: readonly Panel[], gap = 0): Panel {
  const body: string[] = [];
  let y = 0;
  for (const p of panels) {
    body.push(el("g", { transform: `translate(0 ${round(y)})` }, "\n" + p.body.join("\n") + "\n"));
    y += p.height + gap;
  }
  return { height: Math.max(0, y - gap), body };
}

/**
 * Memory sizes as people say them: `1 GiB`, `4.5 GiB`, `768 MiB`.
 *
 * @param bytes A size in bytes.
 * @returns The size in the largest unit that keeps it readable.
 */
export function formatSize(bytes: number): string {
  const GiB = 2 ** 30, MiB = 2 ** 20;
  if (bytes >= GiB) return `${+(bytes / GiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(2)} MiB`;
  return `${+(bytes / 1024).toFixed(2)} KiB`;
}

/**
 * Move elements by (`dx`, `dy`).
 *
 * @param body The elements.
 * @param dy Down, in px.
 * @param dx Right, in px.
 * @returns The elements in one group.
 */
export function shift(body: readonly string[], dy: number, dx = 0): string[] {
  return [`<g transform="translate(${round(dx)} ${round(dy)})">`, ...body, "</g>"];
}
