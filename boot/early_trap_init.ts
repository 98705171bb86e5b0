/**
 * `early_trap_init` (Linux 2.6.38 / 2.6.39 `arch/x86/kernel/traps.c`, called early in
 * `setup_arch`): the three exception gates the kernel needs before `trap_init`, and `load_idt`.
 * Everything else, the invalid-opcode gate that `BUG()` needs included, comes with `trap_init`,
 * which `start_kernel` calls after `setup_arch` has returned: after `init_memory_mapping`.
 *
 * 3.9 has the same function (from 3.x the page-fault gate is set there on 32-bit only; the
 * model keeps it for every version, which changes nothing here, because no 3.9 boot faults).
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

/** The gates `early_trap_init` sets: `debug` (1), `int3` (3) and `page_fault` (14). */
export const EARLY_TRAP_GATES: readonly IdtGate[] = [
  { vector: 1, handler: "debug" },
  { vector: 3, handler: "int3" },
  { vector: 14, handler: "page_fault" },
];

/**
 * `early_trap_init()`: set the early gates and load the IDT (under Xen, `xen_load_idt` hands
 * them to Xen as a trap table).
 *
 * @param k The kernel.
 * @returns Nothing; yields the hypercall, if any.
 */
export function* early_trap_init(k: Kernel): BootStep {
  yield* k.pv.load_idt(k, EARLY_TRAP_GATES);
}
