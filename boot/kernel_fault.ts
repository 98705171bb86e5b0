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
 * A page fault the kernel raised: a kernel-mode access the page tables do not allow, e.g. a write
 * to a page mapped read-only. This is the CPU's side (the address, the error code); what the
 * kernel then prints comes from its handler, `do_page_fault` (`boot/fault.ts`), which under Xen does not
 * even see this address. Unlike `BUG()`, a page fault has a handler early: `early_trap_init` (in
 * 3.9 `early_trap_pf_init`) registers `page_fault`, with Xen too, as a trap table.
 */
export class KernelOops extends Error {
  /** The faulting virtual address (48-bit form): what the CPU puts in cr2. */
  readonly va: number;
  /** The page-fault error code. */
  readonly errorCode: number;
  /** What the model was doing, for people. */
  readonly why: string;

  /**
   * Create the failure.
   *
   * @param va The faulting address (48-bit form).
   * @param errorCode The x86 page-fault error code.
   * @param why What the model was doing, for people.
   */
  constructor(va: number, errorCode: number, why: string) {
    super(`page fault at ${formatVirt(va)}, error code ${errorCode} (${why})`);
    this.name = "KernelOops";
    this.va = va;
    this.errorCode = errorCode;
    this.why = why;
  }
}
