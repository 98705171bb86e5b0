/**
 * The two ways the modelled kernel dies besides `panic()`: a `BUG()` and an oops (a kernel page
 * fault it cannot handle), each carrying the lines the kernel prints.
 *
 * @module
 */

import { formatVirt } from "../mmu/virtual_address.ts";

/**
 * A `BUG()`: the kernel found a state it cannot go on from, e.g. `pin_pagetable_pfn` when Xen
 * refuses the pin. x86 spells `BUG()` as `ud2`, an invalid opcode; the kernel's handler for it
 * (`do_invalid_op`, registered by `trap_init`) prints the lines `report_bug` and `die` print:
 * `------------[ cut here ]------------`, `kernel BUG at FILE:LINE!`,
 * `invalid opcode: 0000 [#1] SMP`.
 *
 * In the boots the model runs, every `BUG()` comes before `trap_init` (in `xen_start_kernel` or in
 * `setup_arch`), so under Xen there is no handler to run: Xen crashes the domain and only Xen's
 * console speaks (`do_guest_trap` in `xen/hypervisor`). {@linkcode KernelBug.lines} is what the
 * guest would print once its handler is registered.
 */
export class KernelBug extends Error {
  /** Where the `BUG()` is: `arch/x86/xen/mmu.c:1535` for 2.6.39's `pin_pagetable_pfn`. */
  readonly where: string;
  /** What the model was doing, for people (the kernel prints nothing of it). */
  readonly why: string;

  /**
   * Create the failure.
   *
   * @param where `FILE:LINE` of the `BUG()`.
   * @param why What the model was doing, for people (not printed by the kernel).
   */
  constructor(where: string, why: string) {
    super(`kernel BUG at ${where}! (${why})`);
    this.name = "KernelBug";
    this.where = where;
    this.why = why;
  }

  /** The lines the kernel's invalid-opcode handler prints for it. */
  get lines(): string[] {
    return [
      "------------[ cut here ]------------",
      `kernel BUG at ${this.where}!`,
      "invalid opcode: 0000 [#1] SMP",
    ];
  }
}

/**
 * An oops: a kernel-mode access the page tables do not allow, e.g. a write to a page that is
 * mapped read-only. The kernel prints `BUG: unable to handle kernel paging request at ADDRESS`
 * and `Oops: CODE [#1] SMP`, where CODE is the page-fault error code (3: a write to a present
 * page, in kernel mode). Unlike `BUG()`, this has a handler early: `early_trap_init` (in 3.9
 * `early_trap_pf_init`) registers `page_fault`, with Xen too, as a trap table. The lines go to the kernel log; this early, a
 * console shows them only with `earlyprintk=xen` (or its native equivalent).
 */
export class KernelOops extends Error {
  /** The faulting virtual address (48-bit form). */
  readonly va: number;
  /** The faulting virtual address, as the kernel prints it (16 hex digits). */
  readonly address: string;
  /** The page-fault error code. */
  readonly errorCode: number;

  /**
   * Create the failure.
   *
   * @param va The faulting address (48-bit form).
   * @param errorCode The x86 page-fault error code.
   * @param why What the model was doing, for people.
   */
  constructor(va: number, errorCode: number, why: string) {
    const address = formatVirt(va).slice(2); // %p: 16 hex digits, no 0x
    super(`unable to handle kernel paging request at ${address} (${why})`);
    this.name = "KernelOops";
    this.va = va;
    this.address = address;
    this.errorCode = errorCode;
  }

  /** The lines the kernel prints. */
  get lines(): string[] {
    return [
      `BUG: unable to handle kernel paging request at ${this.address}`,
      `Oops: ${this.errorCode.toString(16).padStart(4, "0")} [#1] SMP`,
    ];
  }
}
