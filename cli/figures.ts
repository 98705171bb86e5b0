/**
 * `deno task figures`: draw every figure of the book into `docs/figures/`.
 *
 * ```sh
 * deno task figures            # write them all
 * deno task figures NAME.svg   # write only these
 * ```
 *
 * @module
 */

import { FIGURES } from "../docs/draw/figures.ts";

/** Where the figures go, relative to the repository root. */
const DIR = new URL("../docs/figures/", import.meta.url);

/**
 * Draw the figures and write the files.
 *
 * @param names File names to draw; all figures when empty.
 * @returns The exit code: 0, or 2 when a name is not a figure.
 */
export function figuresMain(names: readonly string[]): number {
  const unknown = names.filter((n) => !FIGURES.some((f) => f.file === n));
  if (unknown.length > 0) {
    console.error(
      `figures: ${unknown.join(", ")} is not a figure: ${FIGURES.map((f) => f.file).join(", ")}`,
    );
    return 2;
  }
  Deno.mkdirSync(DIR, { recursive: true });
  for (const figure of FIGURES) {
    if (names.length > 0 && !names.includes(figure.file)) continue;
    const start = performance.now();
    const svg = figure.draw();
    Deno.writeTextFileSync(new URL(figure.file, DIR), svg);
    const ms = Math.round(performance.now() - start);
    console.log(`docs/figures/${figure.file} (${svg.length} bytes, ${ms} ms)`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(figuresMain(Deno.args));
