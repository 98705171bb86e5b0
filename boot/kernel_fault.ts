/**
 * The two ways the modelled kernel dies besides `panic()`: a `BUG()` and an oops (a kernel page
 * fault it cannot handle), each carrying the lines the kernel prints.
 *
 * @module
 */

/**
 * A `BUG()`: the kernel found a state it cannot go on from, e.g. `pin_pagetable_pfn` when Xen
 * refuses the pin. The lines are those `report_bug` and `die` print:
 * `------------[ cut here ]------------`, `kernel BUG at FILE:LINE!`,
 * `invalid opcode: 0000 [#1] SMP` (x86 raises `BUG()` with `ud2`).
 *
 * Not verified: whether a 2.6.39 PV guest prints them this early. `init_memory_mapping` runs
 * before `trap_init`, and a reviewer's reading of the early trap setup of that era is that the
 * invalid-opcode handler is not registered with Xen yet; if so, Xen crashes the domain at the
 * `ud2` and only Xen's console says so. The model keeps the outcome (`bug`: the code executes
 * `BUG()`) and prints what the kernel's `BUG()` prints.
 */
export class KernelBug extends Error {
  /** Where the `BUG()` is: `arch/x86/xen/mmu.c:1535` for 2.6.39's `pin_pagetable_pfn`. */
  readonly where: string;

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
  }

  /** The lines the kernel prints. */
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
 * page, in kernel mode).
 */
export class KernelOops extends Error {
  /** The faulting virtual address, as the kernel prints it (16 hex digits). */
  readonly address: string;
  /** The page-fault error code. */
  readonly errorCode: number;

  /**
   * Create the failure.
   *
   * @param address The faulting address, 16 hex digits.
   * @param errorCode The x86 page-fault error code.
   * @param why What the model was doing, for people.
   */
  constructor(address: string, errorCode: number, why: string) {
    super(`unable to handle kernel paging request at ${address} (${why})`);
    this.name = "KernelOops";
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
