/**
 * `xen_load_idt` (Linux 2.6.38 to 3.9 `arch/x86/xen/enlighten.c`): a PV guest cannot load an
 * IDT, so its `load_idt` turns the gates into a trap table for `HYPERVISOR_set_trap_table`
 * (`xen_convert_trap_info`: each gate `cvt_gate_to_trap` accepts, in vector order; on 64-bit
 * `debug` and `int3` become their Xen entry points `xen_debug` and `xen_int3`), and `BUG()`s if
 * Xen refuses it; `xen_write_idt_entry` does the same for one gate written into the loaded IDT.
 *
 * @module
 */

import type { IdtGate } from "../../boot/early_trap_init.ts";
import { KernelBug } from "../../boot/kernel_fault.ts";
import type { Kernel } from "../../boot/kernel.ts";
import type { BootStep } from "../../boot/paravirt.ts";
import { __START_KERNEL_map } from "../../mmu/mod.ts";
import { do_set_trap_table, type TrapInfo } from "../hypervisor/mod.ts";

/** The handlers a 64-bit PV kernel gives Xen in place of the native ones. */
const XEN_ENTRY: Readonly<Record<string, string>> = { debug: "xen_debug", int3: "xen_int3" };

/**
 * Where the model puts the handlers in kernel text. Illustrative: the real addresses come from the
 * kernel's build; all Xen needs of them is that they are not 0.
 */
const HANDLER_VA: Readonly<Record<string, number>> = {
  xen_debug: __START_KERNEL_map + 0x1001000, // _text is 16 MiB into the kernel map
  xen_int3: __START_KERNEL_map + 0x1002000,
  page_fault: __START_KERNEL_map + 0x1003000,
};

/** `cvt_gate_to_trap` for the gates the model sets: Xen's entry point, at its model address. */
function cvt_gate_to_trap(gate: IdtGate): TrapInfo {
  const symbol = XEN_ENTRY[gate.handler] ?? gate.handler;
  const address = HANDLER_VA[symbol];
  if (address === undefined) throw new Error(`The model has no address for handler ${symbol}`);
  return { vector: gate.vector, address };
}

/** `HYPERVISOR_set_trap_table(traps)`, and `BUG()` if Xen refuses it. */
function* set_trap_table(k: Kernel, traps: TrapInfo[], caller: string): BootStep {
  const rc = do_set_trap_table(k.xen!, traps);
  k.stats.hypercalls++;
  if (k.events) yield { kind: "hypercall", call: "set_trap_table", rc };
  if (rc !== 0) {
    throw new KernelBug(
      `arch/x86/xen/enlighten.c (${caller}; line not verified)`,
      `set_trap_table returned ${rc}`,
    );
  }
}

/**
 * `xen_load_idt(desc)`: hand the gates to Xen as a trap table, one hypercall.
 *
 * @param k The kernel.
 * @param gates The IDT's gates that are set.
 * @returns Nothing; yields the hypercall.
 * @throws {KernelBug} When Xen refuses the table (it does not, for valid vectors).
 */
export function* xen_load_idt(k: Kernel, gates: readonly IdtGate[]): BootStep {
  const traps = [...gates].sort((a, b) => a.vector - b.vector).map(cvt_gate_to_trap);
  yield* set_trap_table(k, traps, "xen_load_idt");
}

/**
 * `xen_write_idt_entry(dt, entrynum, g)`: store the gate, and, because the IDT is the loaded one,
 * pass it on to Xen as a one-entry trap table.
 *
 * @param k The kernel.
 * @param gate The gate.
 * @returns Nothing; yields the hypercall.
 * @throws {KernelBug} When Xen refuses it.
 */
export function* xen_write_idt_entry(k: Kernel, gate: IdtGate): BootStep {
  yield* set_trap_table(k, [cvt_gate_to_trap(gate)], "xen_write_idt_entry");
}
