/**
 * How much memory simulating a boot takes on the machine that runs the model, so that a size
 * that would not fit is refused before the boot starts instead of growing until it is killed.
 *
 * @module
 */

/**
 * The model's own memory for a boot of `memory` bytes: about 80 MB of fixed cost, the page-table
 * pages the boot writes (one 4 KiB pte page per 2 MiB mapped, the kernel's direct map being built
 * of 4 KiB pages here, plus about 100 bytes of bookkeeping each), and under Xen 12 bytes per
 * page of per-frame state (P2M, `count_info`, `type_info`; the M2P costs only where written).
 * Measured on this model (Deno 2.9): 64 GiB takes 413 MB under Xen and 204 MB natively, 8 TiB
 * natively 17.5 GB; the estimate gives 492 MB, 218 MB and 17.7 GB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateBootBytes } from "@xenmmu/book";
 * const GiB = 2 ** 30;
 * assert.ok(estimateBootBytes(64 * GiB, "native") < 0.25 * GiB);
 * assert.ok(estimateBootBytes(8 * 1024 * GiB, "native") > 16 * GiB);
 * ```
 *
 * @param memory The domain's or machine's memory in bytes.
 * @param hypervisor `xen` or `native`.
 * @returns Bytes, an estimate.
 */
export function estimateBootBytes(memory: number, hypervisor: "xen" | "native"): number {
  if (!Number.isSafeInteger(memory) || memory <= 0 || memory % 4096 !== 0) {
    throw new RangeError(`Memory ${memory} is not a positive whole number of 4 KiB pages`);
  }
  const pages = memory / 4096;
  const tablePages = Math.ceil(pages / 512);
  return 80e6 + tablePages * 4200 + (hypervisor === "xen" ? 12 * pages : 0);
}
