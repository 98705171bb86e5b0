/**
 * Linux's panic notifier under Xen (`arch/x86/xen/enlighten.c`, 2.6.39): when the guest panics,
 * it asks Xen to shut the domain down as crashed, so the toolstack sees a crash and not a guest
 * spinning forever.
 *
 * @module
 */

import type { Kernel } from "../../boot/kernel.ts";
import { do_sched_op, SCHEDOP_shutdown, SHUTDOWN_crash } from "../hypervisor/do_sched_op.ts";

/**
 * `xen_reboot(reason)`: `HYPERVISOR_sched_op(SCHEDOP_shutdown, { reason })`. Linux `BUG()`s if Xen
 * refuses, which Xen never does for a valid reason.
 *
 * @param k The kernel (under Xen).
 * @param reason A `SHUTDOWN_*` value.
 */
export function xen_reboot(k: Kernel, reason: number): void {
  k.stats.hypercalls++;
  do_sched_op(k.xen!, SCHEDOP_shutdown, reason);
}

/**
 * `xen_panic_event`, the notifier `xen_arch_setup` puts on `panic_notifier_list`:
 * `xen_reboot(SHUTDOWN_crash)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine, xen_panic_event } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
 * xen_panic_event(m.kernel);
 * assert.equal(m.xen!.shutdown, "crash");
 * ```
 *
 * @param k The kernel (under Xen).
 */
export function xen_panic_event(k: Kernel): void {
  xen_reboot(k, SHUTDOWN_crash);
}
