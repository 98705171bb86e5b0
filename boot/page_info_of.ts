/**
 * `pageInfoOf`: what Xen records about one of the guest's pages, asked by pfn, as a chapter asks
 * it ("what is page 0x3ffe4 to Xen now?").
 *
 * @module
 */

import type { PageInfoView } from "../xen/hypervisor/xen.ts";
import type { BootMachine } from "./boot.ts";

/**
 * Xen's `page_info` of page `pfn` of the machine's domain: its general count (`count_info`) and
 * its `type_info`, decoded. The guest names pages by pfn; Xen keeps `page_info` per machine frame,
 * so this goes through the P2M first, as Xen's `mfn_to_page(pfn_to_mfn(pfn))` would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine, pageInfoOf } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
 * m.finish();
 * const l4 = pageInfoOf(m, m.kernel.init_level4_pgt);
 * assert.equal(l4.typeInfo.slice(0, 2), "4c"); // L4, pinned, validated
 * assert.throws(
 *   () => pageInfoOf(new BootMachine({ kernel: "3.9", memory: 2 ** 30, hypervisor: "native" }), 0),
 *   /runs on bare metal/,
 * );
 * ```
 *
 * @param m A machine booting under Xen.
 * @param pfn One of the domain's pages.
 * @returns The decoded `page_info`.
 * @throws {RangeError} On bare metal (there is no Xen to ask), or for a pfn the domain does not
 *   have; the machine is left as it was.
 */
export function pageInfoOf(m: BootMachine, pfn: number): PageInfoView {
  const xen = m.xen;
  if (xen === null) {
    throw new RangeError(
      `pageInfoOf(0x${
        pfn.toString(16)
      }): this machine runs on bare metal, where no Xen keeps page_info`,
    );
  }
  return xen.pageInfo(xen.pfnToMfn(pfn));
}
