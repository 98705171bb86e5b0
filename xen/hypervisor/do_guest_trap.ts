/**
 * What Xen does with an exception the guest kernel raises (Xen 4.1 `xen/arch/x86/traps.c`
 * `do_guest_trap`, `x86_64/entry.S` `create_bounce_frame`, `common/domain.c` `__domain_crash`):
 * bounce it to the handler the guest registered, or, when there is none, crash the domain.
 *
 * This is how a PV guest's early `BUG()` ends. x86 Linux spells `BUG()` as `ud2`, an invalid
 * opcode (vector 6). The kernel registers its invalid-opcode handler in `trap_init`, which runs
 * after `setup_arch`: in `xen_start_kernel` Xen knows no handler at all, and during
 * `init_memory_mapping` only those `early_trap_init` loaded (1, 3 and, before 3.9, 14). Xen finds
 * no handler for vector 6, warns, and crashes the domain; the guest prints nothing. (Andrew
 * Cooper on xen-devel, May 2021, of the same lines: Xen tried to raise `#UD` and the guest "hasn't
 * set up a handler yet".)
 *
 * @module
 */

import { TRAP_page_fault } from "./do_set_trap_table.ts";
import { printedLines, type SourceCall } from "./console.ts";
import type { Xen } from "./xen.ts";
import { domain_shutdown, SHUTDOWN_crash } from "./do_sched_op.ts";

/**
 * The messages of Xen 4.1.0's `traps.c` the model prints, with the lines their calls span, as
 * `MM_C_CALLS` does for `mm.c`: a call over several lines prints its closing line.
 */
export const TRAPS_C_CALLS = {
  /**
   * "Unhandled %s fault/trap [#%d] on VCPU %d [ec=%04x]" in `do_guest_trap`: one `gdprintk` over
   * three lines, 449–451 in 4.1.0 (the same three lines stand at 464–466 in a later 4.1-era copy).
   */
  unhandledTrap: { first: 449, last: 451, status: "verified" },
} as const satisfies Record<string, SourceCall>;

/** The line Xen prints for each message of {@linkcode TRAPS_C_CALLS}. */
export const TRAPS_C_LINE: { readonly [K in keyof typeof TRAPS_C_CALLS]: number } = printedLines(
  TRAPS_C_CALLS,
);

/** Xen's `trapstr`: the names it prints for vectors 0..19. */
const TRAP_NAMES: readonly string[] = [
  "divide error",
  "debug",
  "nmi",
  "bkpt",
  "overflow",
  "bounds",
  "invalid opcode",
  "device not available",
  "double fault",
  "coprocessor segment",
  "invalid tss",
  "segment not found",
  "stack error",
  "general protection fault",
  "page fault",
  "spurious interrupt",
  "coprocessor error",
  "alignment check",
  "machine check",
  "simd error",
];

/**
 * Xen's `trapstr(trapnr)`.
 *
 * @param trapnr A vector.
 * @returns Its name, or `???` past vector 19.
 */
export function trapstr(trapnr: number): string {
  return TRAP_NAMES[trapnr] ?? "???";
}

/** What became of a guest exception. */
export type GuestTrapResult = "delivered" | "crashed";

/**
 * `do_guest_trap(trapnr, regs, use_error_code)`: the guest raised exception `trapnr` in kernel
 * mode. With a handler registered, Xen bounces the exception to it (`delivered`: the guest's
 * handler runs, and whatever it prints is the guest's). Without one, Xen warns ("Unhandled ...
 * fault/trap"), `create_bounce_frame` meets the null address and jumps to
 * `domain_crash_synchronous`, and the domain is crashed (`crashed`).
 *
 * Simplified: one vCPU (0) on physical CPU 0; the register dump that follows the crash header in
 * a real log (`CPU:`, `RIP:`, the registers, the guest stack) is left out, because its values
 * belong to a compiled kernel the model does not have. Page faults reach the guest by another
 * path: {@linkcode propagate_page_fault}.
 *
 * @example A BUG() before trap_init
 * ```ts
 * import assert from "node:assert/strict";
 * import { do_guest_trap, TRAP_invalid_op, Xen } from "@xenmmu/book";
 * const xen = new Xen({ nrPages: 512 });
 * assert.equal(do_guest_trap(xen, TRAP_invalid_op, 0), "crashed");
 * assert.equal(
 *   xen.console.lines[0],
 *   "(XEN) traps.c:451:d1 Unhandled invalid opcode fault/trap [#6] on VCPU 0 [ec=0000]",
 * );
 * assert.equal(xen.shutdown, "crash");
 * ```
 *
 * @param xen The hypervisor.
 * @param trapnr The vector, 0..255.
 * @param errorCode The error code the exception pushed (0 for `ud2`), 32 bits.
 * @returns `delivered` or `crashed`.
 * @throws {RangeError} When the vector is not 0..255 or the error code not a 32-bit value.
 */
export function do_guest_trap(xen: Xen, trapnr: number, errorCode: number): GuestTrapResult {
  if (!Number.isInteger(trapnr) || trapnr < 0 || trapnr > 255) {
    throw new RangeError(`Trap vector ${trapnr} is not a vector: vectors are 0 to 255`);
  }
  if (!Number.isInteger(errorCode) || errorCode < 0 || errorCode > 0xffffffff) {
    throw new RangeError(`Error code ${errorCode} is not a 32-bit value`);
  }
  if (xen.trapHandler(trapnr) !== 0) return "delivered";
  // null_trap_bounce: no handler to bounce to
  xen.console.gdprintk(
    "traps.c",
    TRAPS_C_LINE.unhandledTrap,
    xen.domid,
    `Unhandled ${trapstr(trapnr)} fault/trap [#${trapnr}] on VCPU 0 [ec=${
      errorCode.toString(16).padStart(4, "0") // %04x: four digits at least
    }]`,
  );
  domain_crash_synchronous(xen);
  return "crashed";
}

/**
 * `propagate_page_fault(addr, error_code)`: a page fault Xen does not fix itself (not a
 * writable-page-table write it can emulate) goes to the guest's page-fault handler. A PV guest
 * cannot read the CPU's cr2, so Xen stores the address in the vCPU's `vcpu_info` (`arch.cr2`, in
 * the domain's shared page), where the guest's `xen_read_cr2` looks for it. (Xen also clears the
 * error code's user bit for a fault in guest kernel mode, since a 64-bit PV kernel runs in ring 3;
 * the model passes kernel-mode codes already.)
 *
 * Not modelled: a page fault with no handler registered. Xen then prints
 * `dN:vN: unhandled page fault (ec=...)` and a walk of the page tables before the bounce crashes
 * the domain; no boot the model runs gets there (every fault it raises comes after the kernel
 * registered `page_fault`), so the model refuses the case instead of printing half of it.
 *
 * @param xen The hypervisor.
 * @param address The faulting virtual address (48-bit form).
 * @param errorCode The page-fault error code.
 * @returns `delivered`.
 * @throws {Error} When the guest has no page-fault handler (the case the model leaves out).
 */
export function propagate_page_fault(
  xen: Xen,
  address: number,
  errorCode: number,
): GuestTrapResult {
  if (xen.trapHandler(TRAP_page_fault) !== 0) {
    xen.vcpu_info.arch.cr2 = address; // arch_set_cr2; guest_context.ctrlreg[2] too
    return "delivered";
  }
  throw new Error(
    `Page fault at 0x${address.toString(16)} (error code ${errorCode}) with no guest handler: ` +
      "Xen's report of an unhandled page fault is not modelled",
  );
}

/**
 * `domain_crash_synchronous` as `create_bounce_frame` reaches it: the entry.S line, then
 * `__domain_crash` of the current domain (the crash header and the start of
 * `show_execution_state`), then `domain_shutdown(d, SHUTDOWN_crash)`. A domain already shutting
 * down gets no second report.
 *
 * @param xen The hypervisor.
 */
export function domain_crash_synchronous(xen: Xen): void {
  xen.console.printk("domain_crash_sync called from entry.S");
  if (xen.shutdown !== null) return;
  xen.console.printk(`Domain ${xen.domid} (vcpu#0) crashed on cpu#0:`);
  xen.console.printk("----[ Xen-4.1.0  x86_64  debug=y  Not tainted ]----");
  domain_shutdown(xen, SHUTDOWN_crash);
}
