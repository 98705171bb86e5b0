/**
 * The kernel's page-fault handler as early boot meets it (Linux 2.6.39
 * `arch/x86/mm/fault.c`, `arch/x86/kernel/dumpstack.c`, `kernel/exit.c`, `kernel/panic.c`): a
 * kernel-mode fault that nothing can fix is an oops, and an oops of the idle task is a panic.
 *
 * Under Xen the handler does not see the address that faulted. A PV guest reads cr2 from its
 * `vcpu_info` (`xen_read_cr2`), and until the real shared page is mapped after `paging_init` and
 * `xen_vcpu` re-pointed at it, the guest's `xen_vcpu` points into `xen_dummy_shared_info`, which
 * Xen never writes. So every early oops of a 2.6.39 domU reports a NULL pointer dereference,
 * whatever address it was.
 *
 * @module
 */

import { entryFlags, entryFrame } from "../mmu/entry.ts";
import { PAGE_SIZE } from "../mmu/page_64_types.ts";
import {
  __va,
  formatVirt,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
} from "../mmu/virtual_address.ts";
import { walk } from "../mmu/walk.ts";
import type { Kernel } from "./kernel.ts";
import { panicLine } from "./kernel_panic.ts";

/** Page-fault error code: the page was present (a protection fault). */
export const PF_PROT = 1;
/** Page-fault error code: the access was a write. */
export const PF_WRITE = 2;
/** Page-fault error code: the access came from user mode. */
export const PF_USER = 4;
/** Page-fault error code: a reserved bit was set in an entry. */
export const PF_RSVD = 8;
/** Page-fault error code: the access was an instruction fetch. */
export const PF_INSTR = 0x10;

const PAGE_PRESENT = 1;
const PAGE_PSE = 0x80;

/** What the handler printed, and the address it believed faulted. */
export interface PageFaultReport {
  /** The address `read_cr2()` returned: under Xen this early, 0. */
  readonly address: number;
  /** The lines, in order: the oops, then the panic of the idle task. */
  readonly lines: readonly string[];
}

/**
 * `do_page_fault(regs, error_code)` for a fault in kernel mode during early boot, while the task
 * is the idle task (`init_task`: pid 0, no `mm`). Both ways in end in `no_context`: an address
 * below `TASK_SIZE_MAX` (what a PV guest reads from the dummy `vcpu_info`) finds no `mm`
 * (`bad_area_nosemaphore`), and a kernel address is neither a vmalloc fault nor a spurious one
 * (the entries really forbid the access). `no_context` finds no exception fixup (early boot's
 * stores have none) and prints the oops; `oops_end` kills the task with `do_exit`, and killing
 * the idle task is a panic.
 *
 * Printed as 2.6.39 prints it, less the lines whose values belong to a compiled kernel or a
 * run: the `IP:` line, `show_registers` (`CPU 0`, `Pid: 0, comm: swapper`, the registers, the
 * stack, the call trace, `Code:`), `oops_end`'s `---[ end trace … ]---` (a random id) and
 * `panic`'s `dump_stack`. Each line is one `printk` as the kernel ends it, trailing spaces
 * included (`PGD 0 `, `Oops: 0003 [#1] SMP `); `__die` also names the last sysfs file opened,
 * none this early (`last sysfs file: `).
 *
 * Not modelled, and refused: a fault with `PF_RSVD` (a user address with it goes to
 * `pgtable_bad`, "Corrupted page table") or `PF_INSTR` (an NX page adds "kernel tried to execute
 * NX-protected page"); no boot the model runs raises either.
 *
 * @example The NULL a PV guest sees
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine, do_page_fault } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
 * const report = do_page_fault(m.kernel, 3);
 * assert.equal(report.address, 0); // xen_vcpu still points into xen_dummy_shared_info
 * assert.equal(
 *   report.lines[0],
 *   "BUG: unable to handle kernel NULL pointer dereference at           (null)",
 * );
 * assert.equal(report.lines.at(-1), "Kernel panic - not syncing: Attempted to kill the idle task!");
 * ```
 *
 * @param k The kernel.
 * @param errorCode The page-fault error code (kernel mode: `PF_USER` clear).
 * @returns What the handler printed (also appended to the kernel's log).
 * @throws {RangeError} When the error code is not a kernel-mode page-fault code.
 */
export function do_page_fault(k: Kernel, errorCode: number): PageFaultReport {
  if (!Number.isInteger(errorCode) || errorCode < 0 || errorCode > 0x1f || errorCode & PF_USER) {
    throw new RangeError(
      `Page-fault error code ${errorCode} is not a kernel-mode code (0 to 0x1f, PF_USER clear)`,
    );
  }
  if (errorCode & (PF_RSVD | PF_INSTR)) {
    throw new RangeError(
      `Page-fault error code ${errorCode} has PF_RSVD or PF_INSTR: those paths of do_page_fault ` +
        "(pgtable_bad, the NX warning) are not modelled",
    );
  }
  const address = k.pv.read_cr2(k);
  const lines: string[] = [];
  const printk = (line: string) => {
    lines.push(line);
    k.log.push(line);
  };
  // fault_in_kernel_space or not, with no mm and no fixup this is no_context
  show_fault_oops(k, address, printk);
  // __die: the error code's low 16 bits, the oops counter, and the build's flags
  printk(`Oops: ${(errorCode & 0xffff).toString(16).padStart(4, "0")} [#1] SMP `);
  printk("last sysfs file: "); // sysfs_printk_last_file(): no sysfs file was opened yet
  // no_context's "executive summary" after __die: %016lx of the address it read
  printk(`CR2: ${pointer(address)}`);
  // oops_end -> do_exit(SIGKILL) of current, the idle task
  panic(k, "Attempted to kill the idle task!", printk);
  return { address, lines };
}

/**
 * `show_fault_oops`: which kind of bad access, at which address (`%p` prints NULL as `(null)`,
 * right-aligned in a pointer's 16 characters), then `dump_pagetable`.
 */
function show_fault_oops(k: Kernel, address: number, printk: (line: string) => void): void {
  const what = address < PAGE_SIZE ? "NULL pointer dereference" : "paging request";
  const p = address === 0 ? "(null)".padStart(16) : pointer(address);
  printk(`BUG: unable to handle kernel ${what} at ${p}`);
  printk(dump_pagetable(k, address));
}

/**
 * x86-64's `dump_pagetable(address)`: the entries that map `address`, from the table in CR3 down
 * to the first that is not present or is a large page, as Linux reads them (`pgd_val` and the
 * others give pfns under Xen). A table that cannot be read through its direct-map address prints
 * `BAD`.
 */
function dump_pagetable(k: Kernel, address: number): string {
  const indices = [pgd_index(address), pud_index(address), pmd_index(address), pte_index(address)];
  const names = ["PGD", "PUD", "PMD", "PTE"];
  const cr3 = k.cr3() * PAGE_SIZE;
  let table = k.cr3();
  let out = "";
  for (let level = 0; level < 4; level++) {
    // bad_address(): probe_kernel_address of the entry through the table's direct-map address
    const pfn = k.mfn_to_pfn(table);
    if (pfn < 0 || walk(k.mem, cr3, __va(pfn * PAGE_SIZE)).fault !== null) return out + "BAD";
    const { lo, hi } = k.mem.read(table, indices[level]);
    const present = (lo & PAGE_PRESENT) !== 0;
    const frame = entryFrame(lo, hi);
    // pte_mfn_to_pfn: a present entry is shown with its pfn (all ones for a frame not the guest's)
    const shown = present ? k.mfn_to_pfn(frame) : frame;
    out += `${names[level]} ${entryHex(shown, entryFlags(lo, hi))}`;
    if (level === 3) return out;
    out += " ";
    if (!present || (level > 0 && (lo & PAGE_PSE) !== 0)) return out;
    table = frame;
  }
  return out;
}

/**
 * `panic(fmt)`: the line, then (after `dump_stack`, not modelled) the notifiers on
 * `panic_notifier_list`; under Xen, `xen_panic_event` shuts the domain down as crashed.
 *
 * @param k The kernel.
 * @param message The panic's message.
 * @param printk Where the line goes.
 */
export function panic(k: Kernel, message: string, printk: (line: string) => void): void {
  printk(panicLine(message));
  for (const notifier of k.panic_notifier_list) notifier(k);
}

/** `%p` (or `%016lx`) of an address: the 64-bit canonical form in 16 hex digits. */
function pointer(address: number): string {
  return formatVirt(address).slice(2);
}

/**
 * `%lx` of an entry whose frame is `frame` (-1: `mfn_to_pfn` found none, `~0UL`) and flags `flags`
 * (NX in bit 31 of the flags word).
 */
function entryHex(frame: number, flags: number): string {
  const low = BigInt(flags & 0xfff) + ((flags & 0x80000000) !== 0 ? 1n << 63n : 0n);
  if (frame < 0) return (((1n << 64n) - 1n) << 12n & ((1n << 64n) - 1n) | low).toString(16);
  return (BigInt(frame) * 4096n + low).toString(16);
}
