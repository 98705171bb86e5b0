/**
 * A digest of everything a refused request must leave unchanged.
 *
 * @module
 */

import { PGT_COUNT_MASK } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/**
 * Hash the hypervisor's state: every non-zero word of machine memory (with
 * its frame and position), every general count and `type_info`, the P2M, the
 * M2P and both CR3s. Left out: the console, the flush counts, and the type of a
 * frame whose type count is 0 (a refused request may leave such a frame
 * with another type, as Xen does, and nothing depends on it).
 *
 * Two 32-bit FNV-style hashes of different seeds make 16 hex digits;
 * comparing digests catches any change a test could make by chance.
 *
 * @param xen The hypervisor.
 * @returns 16 hex digits.
 */
export function stateDigest(xen: Xen): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const mix = (v: number): void => {
    a = Math.imul(a ^ v, 0x01000193);
    b = Math.imul(b ^ v, 0x5bd1e995) ^ (b >>> 13);
  };
  mix(xen.cr3 === null ? -1 : xen.cr3);
  mix(xen.userCr3 === null ? -1 : xen.userCr3);
  for (const frame of xen.mem.tableFrames()) {
    const w = xen.mem.table(frame);
    for (let k = 0; k < 1024; k++) {
      if (w[k] !== 0) {
        mix(frame);
        mix(k);
        mix(w[k]);
      }
    }
  }
  const n = xen.nrPages;
  for (let i = 0; i < n; i++) {
    const x = xen.typeInfo[i];
    mix((x & PGT_COUNT_MASK) === 0 ? 0 : x);
    mix(xen.countInfo[i]);
    mix(xen.p2m[i]);
    mix(xen.mfnToPfn(xen.firstMfn + i));
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
