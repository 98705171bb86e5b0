/**
 * `early_trap_init` (Linux 2.6.38 / 2.6.39 / 3.9 `arch/x86/kernel/traps.c`, called early in
 * `setup_arch`): the exception gates the kernel needs before `trap_init`, and `load_idt`; and
 * 3.9's `early_trap_pf_init`. Everything else, the invalid-opcode gate that `BUG()` needs
 * included, comes with `trap_init`, which `start_kernel` calls after `setup_arch` has returned.
 *
 * The page-fault gate moved in 3.9 (with the early page-fault handler of the same series): up to
 * 3.8 `early_trap_init` sets it, on 64-bit too; from 3.9 it sets it on 32-bit only, and 64-bit
 * gets it from `early_trap_pf_init`, which `setup_arch` calls right after `init_mem_mapping`.
 *
 * @module
 */

import type { Kernel } from "./kernel.ts";
import type { BootStep } from "./paravirt.ts";

/** An interrupt gate of the IDT, as the model keeps it: the vector and its handler's symbol. */
export interface IdtGate {
  /** The vector, 0..255. */
  readonly vector: number;
  /** The handler's kernel symbol (`debug`, `int3`, `page_fault`, ...). */
  readonly handler: string;
}

const DEBUG: IdtGate = { vector: 1, handler: "debug" };
const INT3: IdtGate = { vector: 3, handler: "int3" };
const PAGE_FAULT: IdtGate = { vector: 14, handler: "page_fault" };

/**
 * The gates `early_trap_init` sets on 64-bit: `debug` (1) and `int3` (3), and before 3.9
 * `page_fault` (14).
 *
 * @param code The kernel's code version (`rules.code`).
 * @returns The gates, in vector order.
 */
export function earlyTrapGates(code: string): readonly IdtGate[] {
  return code === "3.9" ? [DEBUG, INT3] : [DEBUG, INT3, PAGE_FAULT];
}

/**
 * `early_trap_init()`: set the early gates and load the IDT (under Xen, `xen_load_idt` hands
 * them to Xen as a trap table).
 *
 * @param k The kernel.
 * @returns Nothing; yields the hypercall, if any.
 */
export function* early_trap_init(k: Kernel): BootStep {
  yield* k.pv.load_idt(k, earlyTrapGates(k.rules.code));
}

/**
 * 3.9's `early_trap_pf_init()`: `set_intr_gate(X86_TRAP_PF, &page_fault)` into the IDT that is
 * loaded already (under Xen, `xen_write_idt_entry` passes the one gate on to Xen).
 *
 * @param k The kernel.
 * @returns Nothing; yields the hypercall, if any.
 */
export function* early_trap_pf_init(k: Kernel): BootStep {
  yield* k.pv.write_idt_entry(k, PAGE_FAULT);
}
