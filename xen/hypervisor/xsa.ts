/**
 * Which of two Xen security fixes the modelled hypervisor carries: XSA-148
 * (2015, `mod_l2_entry` and superpages) and XSA-182 (2016, the fast paths of
 * `mod_l1_entry` .. `mod_l4_entry`). Xen 4.1.0 shipped before both, so the
 * model's default is "vulnerable", as 4.1.0 was.
 *
 * A fixed Xen is 4.1.0 with the advisory's patch applied. Both patches add
 * lines to `mm.c` above most `MEM_LOG` calls, so the console line numbers of
 * a patched Xen move; {@linkcode patchedMmCLine} says where to.
 *
 * @module
 */

/** Whether the hypervisor carries one security fix. */
export type XsaState = "fixed" | "vulnerable";

/** The fixes the hypervisor carries, as {@linkcode Xen} keeps them. */
export interface XsaFixes {
  /** XSA-148: PSE is refused in L2 entries without `allowsuperpage`, fast path included. */
  readonly xsa148: XsaState;
  /** XSA-182: the fast path only lets whitelisted flags change without re-validation. */
  readonly xsa182: XsaState;
}

/**
 * Read an `xsa148`/`xsa182` option: `"fixed"`, `"vulnerable"`, or a boolean
 * saying whether the fix is applied (`true` = `"fixed"`). Absent means Xen
 * 4.1.0 as released: `"vulnerable"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseXsaState } from "@xenmmu/book";
 * assert.equal(parseXsaState("xsa182", undefined), "vulnerable");
 * assert.equal(parseXsaState("xsa182", true), "fixed");
 * assert.throws(() => parseXsaState("xsa182", "bogus"), /xsa182 "bogus" is not a setting/);
 * ```
 *
 * @param name The option's name, for the message.
 * @param value What the caller passed.
 * @returns The state.
 * @throws {TypeError} Naming the value and the allowed ones, for anything else.
 */
export function parseXsaState(name: string, value: unknown): XsaState {
  if (value === undefined) return "vulnerable";
  if (value === true || value === "fixed") return "fixed";
  if (value === false || value === "vulnerable") return "vulnerable";
  const shown = typeof value === "string" ? `"${value}"` : String(value);
  throw new TypeError(
    `Xen option ${name} ${shown} is not a setting: use "fixed" or true (the advisory's patch ` +
      `applied), or "vulnerable" or false (Xen 4.1.0 as released, the default)`,
  );
}

/**
 * The line a patched `mm.c` prints a `MEM_LOG` at, given the line 4.1.0
 * prints it at.
 *
 * - XSA-148's patch turns the one-line `L2_DISALLOW_MASK` (near the top of
 *   the file, above every `MEM_LOG`) into four lines (+3 everywhere), and the
 *   one-line fast-path test of `mod_l2_entry` into four (+3 below "Bad L2
 *   flags" of `mod_l2_entry`, 4.1.0 line 1852).
 * - XSA-182's patch inserts the eight lines of `FASTPATH_FLAG_WHITELIST`
 *   (comment, define, blank line) between the `UPDATE_ENTRY` macro, which
 *   ends at 4.1.0 line 1749 (counted back from the verified 1783 of
 *   `mod_l1_entry`'s "Bad L1 flags"), and `mod_l1_entry` (+8 below line
 *   1750), and turns the fast-path test of
 *   `mod_l2_entry` back into one line (so XSA-148's second +3 is gone when
 *   both are applied, as they were in every branch that took XSA-182).
 *
 * @param line The line in Xen 4.1.0.
 * @param fixes The fixes applied.
 * @returns The line in 4.1.0 with those patches.
 */
export function patchedMmCLine(line: number, fixes: XsaFixes): number {
  let shift = 0;
  if (fixes.xsa148 === "fixed") {
    shift += 3;
    if (fixes.xsa182 === "vulnerable" && line > 1852) shift += 3;
  }
  if (fixes.xsa182 === "fixed" && line > 1750) shift += 8;
  return line + shift;
}
