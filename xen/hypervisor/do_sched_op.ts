/**
 * `SCHEDOP_shutdown`: how a PV guest tells Xen it is done (Xen 4.1 `xen/common/schedule.c`
 * `do_sched_op`, `xen/common/domain.c` `domain_shutdown`). Linux's panic notifier uses it with
 * `SHUTDOWN_crash`, so a guest that panics under Xen is shut down as crashed.
 *
 * @module
 */

import type { Xen } from "./xen.ts";

/** `SCHEDOP_shutdown` (`xen/include/public/sched.h`). */
export const SCHEDOP_shutdown = 2;

/** The `SHUTDOWN_*` reasons of `xen/include/public/sched.h`, by value. */
export const SHUTDOWN_REASONS: readonly ShutdownReason[] = [
  "poweroff",
  "reboot",
  "suspend",
  "crash",
  "watchdog",
];

/** Why a domain shut down: `SHUTDOWN_poweroff` (0) .. `SHUTDOWN_watchdog` (4). */
export type ShutdownReason = "poweroff" | "reboot" | "suspend" | "crash" | "watchdog";

/** `SHUTDOWN_crash`: the guest crashed (Linux's `xen_panic_event` asks for it). */
export const SHUTDOWN_crash = 3;

/**
 * `domain_shutdown(d, reason)`: mark the domain as shutting down for `reason` and pause its vCPUs.
 * The first reason sticks. For a domU Xen prints nothing: what happens next (destroy, restart,
 * preserve) is the toolstack's decision (`on_crash` in the domain's configuration), and that is
 * outside the model.
 *
 * @param xen The hypervisor.
 * @param reason A `SHUTDOWN_*` value, 0..4.
 * @throws {RangeError} When the reason is not one of them (the state is unchanged).
 */
export function domain_shutdown(xen: Xen, reason: number): void {
  const name = SHUTDOWN_REASONS[reason];
  if (!Number.isInteger(reason) || name === undefined) {
    throw new RangeError(`Shutdown reason ${reason} is not a SHUTDOWN_* value (0 to 4)`);
  }
  if (xen.shutdown === null) xen.shutdown = name;
}

/**
 * `HYPERVISOR_sched_op(SCHEDOP_shutdown, &r)` as Xen handles it: `domain_shutdown` of the calling
 * domain. The other scheduler operations (yield, block, poll) are not modelled.
 *
 * @example A guest's panic notifier asks for SHUTDOWN_crash
 * ```ts
 * import assert from "node:assert/strict";
 * import { do_sched_op, SCHEDOP_shutdown, SHUTDOWN_crash, Xen } from "@xenmmu/book";
 * const xen = new Xen({ nrPages: 512 });
 * assert.equal(do_sched_op(xen, SCHEDOP_shutdown, SHUTDOWN_crash), 0);
 * assert.equal(xen.shutdown, "crash");
 * assert.deepEqual(xen.console.lines, []); // Xen says nothing of a domU's shutdown
 * ```
 *
 * @param xen The hypervisor.
 * @param cmd The operation: `SCHEDOP_shutdown`.
 * @param reason The `sched_shutdown.reason`.
 * @returns 0.
 * @throws {RangeError} For another operation or an unknown reason.
 */
export function do_sched_op(xen: Xen, cmd: number, reason: number): number {
  if (cmd !== SCHEDOP_shutdown) {
    throw new RangeError(`Scheduler operation ${cmd} is not modelled: only SCHEDOP_shutdown (2)`);
  }
  domain_shutdown(xen, reason);
  return 0;
}
