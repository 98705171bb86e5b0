/**
 * The soak: millions of random guest requests against a Xen with both
 * fixes, on a fresh domain every 64 requests so that the state stays
 * rich (a long-lived domain drifts into a state where every store faults),
 * with the invariants checked every 1,000 requests and a digest check on a
 * sample of the refused ones.
 *
 * @module
 */

import fc from "fast-check";
import { checkInvariants } from "../hypervisor/check_invariants.ts";
import { stateDigest } from "../hypervisor/state_digest.ts";
import type { Xen } from "../hypervisor/xen.ts";
import {
  applyGuestRequest,
  fuzzDomain,
  type GuestRequest,
  guestRequestArbitrary,
  type RequestPath,
} from "./guest_request.ts";

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /** How many requests in all. */
  requests: number;
  /** The seed of the request stream. */
  seed: number;
  /**
   * Requests per domain: a fresh domain is built after this many.
   * @default {64}
   */
  domainRequests?: number;
  /**
   * Check every invariant after this many requests (and at the end of each domain).
   * @default {1000}
   */
  invariantsEvery?: number;
  /**
   * Take a digest before one request in this many (single requests only: a batch refused
   * halfway keeps what it did before); when Xen refuses it, the state after must have the same
   * digest.
   * @default {16}
   */
  digestEvery?: number;
  /** Called now and then with the requests made so far, for a progress line. */
  onProgress?: (made: number) => void;
  /** A clock in milliseconds (`performance.now` by default), for requests per second. */
  now?: () => number;
}

/** What a soak measured. */
export interface SoakReport {
  /** Requests made. */
  readonly requests: number;
  /** Domains built. */
  readonly domains: number;
  /** Requests of each kind (`pin`, `mmu`, `store`, ...). */
  readonly kinds: Readonly<Record<string, number>>;
  /**
   * How the requests went: `done` (accepted hypercalls), `refused`, `store` (a plain store to a
   * writable page), `emulated` (a store Xen emulated into an L1: ptwr), `skipped` (never).
   */
  readonly paths: Readonly<Record<RequestPath, number>>;
  /** Refused requests whose state digest was compared before and after. */
  readonly digestChecks: number;
  /** Full invariant checks made. */
  readonly invariantChecks: number;
  /** The first broken invariant, or null. */
  readonly violation: string | null;
  /** The first refused request that changed the state, or null. */
  readonly changedByRefusal: string | null;
  /** Console lines printed in all, kept or dropped. */
  readonly consoleLines: number;
  /** Console lines that fell out of a domain's bounded ring. */
  readonly consoleDropped: number;
  /** The most bytes one console held: never more than its ring. */
  readonly consoleMaxBytes: number;
  /** Wall-clock time in milliseconds. */
  readonly elapsedMs: number;
  /** Requests per second. */
  readonly requestsPerSecond: number;
}

/**
 * Run a soak.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSoak } from "@xenmmu/book";
 * const r = runSoak({ requests: 2000, seed: 1 });
 * assert.equal(r.violation, null);
 * assert.equal(r.changedByRefusal, null);
 * assert.ok(r.paths.emulated > 0);
 * ```
 *
 * @param options How many requests, the seed and the rhythm of the checks.
 * @returns The figures.
 * @throws {RangeError} When an option is not a whole number in range.
 */
export function runSoak(options: SoakOptions): SoakReport {
  const { requests, seed } = options;
  const perDomain = options.domainRequests ?? 64;
  const invariantsEvery = options.invariantsEvery ?? 1000;
  const digestEvery = options.digestEvery ?? 16;
  for (
    const [name, v, min] of [
      ["requests", requests, 1],
      ["domainRequests", perDomain, 1],
      ["invariantsEvery", invariantsEvery, 1],
      ["digestEvery", digestEvery, 1],
    ] as const
  ) {
    if (!Number.isSafeInteger(v) || v < min) {
      throw new RangeError(`Soak option ${name} ${String(v)} is not a whole number >= ${min}`);
    }
  }
  if (!Number.isInteger(seed) || Math.abs(seed) > 2 ** 31 - 1) {
    throw new RangeError(`Seed ${String(seed)} is not a 32-bit whole number`);
  }
  const now = options.now ?? (() => performance.now());
  const arb = guestRequestArbitrary();
  const kinds: Record<string, number> = {};
  const paths: Record<RequestPath, number> = {
    done: 0,
    refused: 0,
    store: 0,
    emulated: 0,
    skipped: 0,
  };
  let domains = 0;
  let digestChecks = 0;
  let invariantChecks = 0;
  let violation: string | null = null;
  let changedByRefusal: string | null = null;
  let consoleLines = 0;
  let consoleDropped = 0;
  let consoleMaxBytes = 0;
  let xen: Xen | null = null;
  let made = 0;
  let batch: GuestRequest[] = [];
  let next = 0;
  let batchNo = 0;
  const start = now();

  const retire = (x: Xen) => {
    consoleLines += x.console.printed;
    consoleDropped += x.console.dropped;
    consoleMaxBytes = Math.max(
      consoleMaxBytes,
      x.console.lines.reduce((n, l) => n + l.length + 1, 0),
    );
  };

  while (made < requests && violation === null && changedByRefusal === null) {
    if (next === batch.length) {
      // fast-check draws the stream in batches, each from its own seed, so a run is repeatable.
      batch = fc.sample(arb, { numRuns: 4096, seed: (seed + 7919 * batchNo++) | 0 });
      next = 0;
    }
    if (xen === null || made % perDomain === 0) {
      if (xen !== null) retire(xen);
      xen = fuzzDomain({ xsa182: "fixed", xsa148: "fixed" }, domains % 4 !== 3);
      domains++;
    }
    const r = batch[next++];
    // A batch stops at its first refusal, after the requests before it took effect: only a
    // request that is one hypercall of one operation must leave no trace when refused.
    const single = r.kind !== "mmu" || r.reqs.length === 1;
    const sampled = single && made % digestEvery === 0;
    const before = sampled ? stateDigest(xen) : null;
    const path = applyGuestRequest(xen, r);
    made++;
    kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    paths[path]++;
    if (before !== null && path === "refused") {
      digestChecks++;
      if (stateDigest(xen) !== before) changedByRefusal = JSON.stringify(r);
    }
    if (made % invariantsEvery === 0 || made % perDomain === 0) {
      invariantChecks++;
      violation = checkInvariants(xen)?.message ?? null;
    }
    if (made % 65536 === 0) options.onProgress?.(made);
  }
  if (xen !== null) retire(xen);
  const elapsedMs = now() - start;
  return {
    requests: made,
    domains,
    kinds,
    paths,
    digestChecks,
    invariantChecks,
    violation,
    changedByRefusal,
    consoleLines,
    consoleDropped,
    consoleMaxBytes,
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? Math.round(made / (elapsedMs / 1000)) : 0,
  };
}
