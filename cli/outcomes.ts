/**
 * `deno task outcomes`: the book's outcome table, every profile at every size, on Xen and on the
 * same machine booted natively.
 *
 * @module
 */

import {
  FAILURE_MECHANISMS,
  OUTCOME_PROFILES,
  OUTCOME_SIZES,
  outcomeTable,
} from "../boot/outcome_table.ts";

/**
 * Print the outcome table for Xen PV, then for the native control run, then the legend of its
 * letters.
 *
 * @param out Where the lines go (standard output by default).
 * @returns The exit code, 0.
 */
export function outcomesMain(out: (line: string) => void = console.log): number {
  for (const hypervisor of ["xen", "native"] as const) {
    out(outcomeTable(OUTCOME_SIZES, OUTCOME_PROFILES, hypervisor).join("\n"));
  }
  out(outcomesLegend().join("\n"));
  return 0;
}

/**
 * The legend of the table's cells.
 *
 * @returns One line per letter, and the sizes' unit.
 */
export function outcomesLegend(): string[] {
  return [
    "Legend (sizes are the domain's memory, in GiB or MiB):",
    ...Object.entries(FAILURE_MECHANISMS).map(([letter, meaning]) =>
      `  ${letter.padEnd(3)}${meaning}`
    ),
  ];
}

if (import.meta.main) Deno.exit(outcomesMain());
