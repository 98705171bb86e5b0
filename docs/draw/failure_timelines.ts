/**
 * The failure figures of chapters 8 to 10: one timeline per mechanism, A, P, V and R.
 *
 * @module
 */

import { failureTimeline } from "./failure_timeline.ts";
import { recordBoot } from "./record_boot.ts";
import { hex, shift, svgDocument } from "./svg.ts";

/** The boot that shows each mechanism: the profile and the memory size. */
export const FAILURE_BOOTS: Readonly<Record<string, { kernel: string; memory: number }>> = {
  A: { kernel: "2.6.39-rc1", memory: 2 ** 30 },
  P: { kernel: "published-range", memory: 4.5 * 2 ** 30 },
  V: { kernel: "alloc-hooks", memory: 2 ** 30 },
  R: { kernel: "2.6.39-rc-top", memory: 2 ** 30 },
};

/**
 * Draw `failure_NAME.svg` for one mechanism.
 *
 * @param mechanism `A`, `P`, `V` or `R`.
 * @returns The SVG text.
 * @throws {RangeError} For another letter, or when the boot does not fail that way.
 */
export function failureFigure(mechanism: string): string {
  const boot = Object.hasOwn(FAILURE_BOOTS, mechanism) ? FAILURE_BOOTS[mechanism] : undefined;
  if (boot === undefined) {
    throw new RangeError(`Mechanism "${mechanism}" is not one of A, P, V, R`);
  }
  const record = recordBoot(boot);
  if (record.mechanism !== mechanism) {
    throw new RangeError(
      `${boot.kernel} at ${boot.memory} bytes fails with ${record.mechanism}, not ${mechanism}`,
    );
  }
  const width = 960;
  const panel = failureTimeline(record, width);
  const page = record.failure === null ? "" : ` The page: pfn ${hex(record.failure.pfn)}.`;
  return svgDocument({
    width,
    height: panel.height + 16,
    title: `Failure ${mechanism}: ${boot.kernel} on Xen stops after ${record.events.length} events`,
    desc: `The boot of ${boot.kernel} as a timeline: init_memory_mapping calls, table pages ` +
      `taken, chunks mapped, Xen hooks and refused hypercalls, up to the moment it stops ` +
      `(${record.result.outcome}); then Xen's console, the kernel's last lines, and every entry ` +
      `that maps the page the failure is about.${page}`,
    body: shift(panel.body, 8),
  });
}
