/**
 * The fuzzer: random guest requests against a Xen with one security fix
 * left out, until `checkInvariants` finds the hole; then fast-check shrinks
 * the sequence to the few requests that open it.
 *
 * @module
 */

import fc from "fast-check";
import { checkInvariants, type InvariantViolation } from "../hypervisor/check_invariants.ts";
import type { Xen } from "../hypervisor/xen.ts";
import type { XsaState } from "../hypervisor/xsa.ts";
import {
  applyGuestRequest,
  fuzzDomain,
  type GuestRequest,
  guestRequestArbitrary,
} from "./guest_request.ts";

/** The holes the fuzzer knows. */
export type FuzzXsa = 148 | 182;

/** Options of {@linkcode fuzzXsa}. */
export interface FuzzOptions {
  /** Which hole. */
  xsa: FuzzXsa;
  /** Xen without that fix (`vulnerable`) or with it (`fixed`). */
  mode: XsaState;
  /** The fast-check seed: the same seed finds the same sequence. */
  seed: number;
  /**
   * How many requests to make before giving up.
   * @default {20000}
   */
  requests?: number;
}

/** What the fuzzer found. */
export interface FuzzResult {
  /** The hole hunted. */
  readonly xsa: FuzzXsa;
  /** The Xen it ran against. */
  readonly mode: XsaState;
  /** The seed. */
  readonly seed: number;
  /** Whether a request sequence broke an invariant. */
  readonly found: boolean;
  /** Requests made until the first broken invariant (all of them when none broke). */
  readonly requests: number;
  /** The shrunk sequence that breaks it, empty when none was found. */
  readonly sequence: readonly GuestRequest[];
  /** The violation the shrunk sequence ends in. */
  readonly violation: InvariantViolation | null;
}

/**
 * The Xen of a campaign, and whether its guest avoids linear entries.
 *
 * XSA-182 is hunted with XSA-148 fixed (as in every Xen that shipped the
 * XSA-182 fix). XSA-148 needs XSA-182's hole open too (the XSA-182 whitelist
 * alone sends PSE to the slow path), so that campaign's guest makes no linear
 * page tables, the only way into XSA-182's hole: what it finds is XSA-148's.
 *
 * @param xsa The hole.
 * @param mode The state of its fix.
 * @returns A fresh domain and the apply options.
 */
export function fuzzCampaign(xsa: FuzzXsa, mode: XsaState): { xen: Xen; noLinear: boolean } {
  if (xsa === 182) return { xen: fuzzDomain({ xsa182: mode, xsa148: "fixed" }), noLinear: false };
  return { xen: fuzzDomain({ xsa148: mode, xsa182: "vulnerable" }), noLinear: true };
}

/**
 * Hunt one hole with random guest requests.
 *
 * @example XSA-182 is found in the vulnerable Xen
 * ```ts
 * import assert from "node:assert/strict";
 * import { fuzzXsa } from "@xenmmu/book";
 * const r = fuzzXsa({ xsa: 182, mode: "vulnerable", seed: 1, requests: 20000 });
 * assert.equal(r.found, true);
 * assert.equal(r.violation?.rule, "linear entries are read-only");
 * ```
 *
 * @param options The hole, the mode, the seed and the budget.
 * @returns Whether it was found, after how many requests, and the shrunk sequence.
 * @throws {RangeError} When an option is out of range.
 */
export function fuzzXsa(options: FuzzOptions): FuzzResult {
  const { xsa, mode, seed } = options;
  const budget = options.requests ?? 20_000;
  if (xsa !== 148 && xsa !== 182) {
    throw new RangeError(`XSA ${String(xsa)} is not one the fuzzer knows: use 148 or 182`);
  }
  if (mode !== "fixed" && mode !== "vulnerable") {
    throw new RangeError(`Fuzz mode ${String(mode)} is not a mode: use "vulnerable" or "fixed"`);
  }
  if (!Number.isInteger(seed) || Math.abs(seed) > 2 ** 31 - 1) {
    throw new RangeError(`Seed ${String(seed)} is not a 32-bit whole number`);
  }
  if (!Number.isInteger(budget) || budget < 1 || budget > 1e9) {
    throw new RangeError(`Request budget ${String(budget)} is not a whole number from 1 to 1e9`);
  }
  let made = 0;
  let foundAt: number | null = null;
  const property = fc.property(
    fc.array(guestRequestArbitrary(), { minLength: 1, maxLength: 60, size: "max" }),
    (reqs) => {
      if (foundAt === null && made >= budget) return true; // the budget is spent: stop searching
      const { xen, noLinear } = fuzzCampaign(xsa, mode);
      for (const r of reqs) {
        applyGuestRequest(xen, r, { noLinear });
        if (foundAt === null) made++;
        const v = checkInvariants(xen);
        if (v !== null) {
          foundAt ??= made;
          return false;
        }
      }
      return true;
    },
  );
  const out = fc.check(property, { seed, numRuns: budget });
  if (!out.failed || out.counterexample === null) {
    return { xsa, mode, seed, found: false, requests: made, sequence: [], violation: null };
  }
  // fast-check's shrinker may leave a request the failure does not need: drop each in turn
  // while the rest still fails.
  let sequence = out.counterexample[0];
  for (let i = sequence.length - 1; i >= 0; i--) {
    const without = [...sequence.slice(0, i), ...sequence.slice(i + 1)];
    if (without.length > 0 && replay(xsa, mode, without) !== null) sequence = without;
  }
  const violation = replay(xsa, mode, sequence);
  return { xsa, mode, seed, found: true, requests: foundAt ?? made, sequence, violation };
}

/** Run a sequence on a fresh domain of the campaign; the first violation, or null. */
function replay(
  xsa: FuzzXsa,
  mode: XsaState,
  sequence: readonly GuestRequest[],
): InvariantViolation | null {
  const { xen, noLinear } = fuzzCampaign(xsa, mode);
  for (const r of sequence) {
    applyGuestRequest(xen, r, { noLinear });
    const v = checkInvariants(xen);
    if (v !== null) return v;
  }
  return null;
}
