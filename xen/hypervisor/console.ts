/**
 * Xen's console as the guest's failures fill it: `MEM_LOG` lines of
 * `xen/arch/x86/mm.c`, and the report of a crashed domain.
 *
 * @module
 */

/**
 * The line of `xen/arch/x86/mm.c` (Xen 4.1.0) that prints each message:
 * `MEM_LOG(...)` is `gdprintk(XENLOG_WARNING, ...)`, which prefixes
 * `mm.c:LINE:dN `.
 *
 * Lines marked "verified" were read in Xen 4.1.0 (fact sheet addendum §13).
 * Lines marked "counted" were counted from a verified line of the same
 * function in a 4.1-era `mm.c`, in a stretch where that copy puts the
 * verified lines at their 4.1.0 numbers too. Lines marked "estimated" were
 * counted where the copy and 4.1.0 are known to differ somewhere, and may be
 * off by a few lines.
 */
export const MM_C_LINE = {
  /**
   * "Could not get page ref for pfn %lx" in `get_page_from_pagenr` (estimated: 148 lines above
   * the verified 806, counting the lines 4.1.0's `get_page_from_l1e` has that the 4.1-era copy
   * lacks).
   */
  couldNotGetPageRef: 658,
  /** "Bad L1 flags %x" in `get_page_from_l1e` (verified). */
  badL1FlagsGet: 806,
  /** "Non-privileged (%u) attempt to map I/O space %08lx" (estimated). */
  nonPrivilegedIo: 824,
  /** "Error getting mfn ... from L1 entry ..." (verified). */
  errorGettingMfn: 904,
  /**
   * "Attempt to create linear p.t. with write perms" at L2 (counted; `MEM_LOG` sits in a macro,
   * so the line is that of `define_get_linear_pagetable(l2)`).
   */
  linearWriteL2: 915,
  /** "Bad L2 flags %x" in `get_page_from_l2e` (verified). */
  badL2FlagsGet: 928,
  /** "Attempt to map superpage without allowsuperpage flag in hypervisor" (verified). */
  superpage: 942,
  /** "Attempt to create linear p.t. with write perms" at L3 (counted). */
  linearWriteL3: 957,
  /** "Bad L3 flags %x" in `get_page_from_l3e` (verified). */
  badL3FlagsGet: 969,
  /** "Attempt to create linear p.t. with write perms" at L4 (counted). */
  linearWriteL4: 982,
  /** "Bad L4 flags %x" in `get_page_from_l4e` (verified). */
  badL4FlagsGet: 994,
  /** "Failure in alloc_l1_table: entry %d" (verified). */
  allocL1Failure: 1222,
  /** "Failure in alloc_l2_table: entry %d" (estimated). */
  allocL2Failure: 1366,
  /** "Failure in alloc_l3_table: entry %d" (estimated). */
  allocL3Failure: 1476,
  /** "Failure in alloc_l4_table: entry %d" (estimated). */
  allocL4Failure: 1523,
  /** "Bad L1 flags %x" in `mod_l1_entry` (verified). */
  badL1FlagsMod: 1783,
  /** "Bad L2 flags %x" in `mod_l2_entry` (verified). */
  badL2FlagsMod: 1851,
  /** "Bad L3 flags %x" in `mod_l3_entry` (verified). */
  badL3FlagsMod: 1917,
  /** "Illegal L4 update attempt in Xen-private area %p" (counted from 1988, as 1840 from 1851). */
  illegalL4Update: 1977,
  /** "Bad L4 flags %x" in `mod_l4_entry` (verified). */
  badL4FlagsMod: 1988,
  /** "Error while validating mfn ... for type ...: caf=... taf=..." (verified). */
  errorWhileValidating: 2174,
  /** "Type count overflow on pfn %lx" (counted from 2421). */
  typeCountOverflow: 2360,
  /** "Bad type (saw ... != exp ...) for mfn %lx (pfn %lx)" (verified). */
  badType: 2421,
  /** "Error while installing new baseptr %lx" (verified). */
  errorInstallingBaseptr: 2752,
  /** "Error while pinning mfn %lx" (verified). */
  errorWhilePinning: 2985,
  /** "Mfn %lx already pinned" (verified). */
  alreadyPinned: 3001,
  /** "Mfn %lx bad domain" (counted from 3046). */
  badDomain: 3036,
  /** "Mfn %lx not pinned" (verified). */
  notPinned: 3046,
  /** "Error while installing new mfn %lx" for `MMUEXT_NEW_USER_BASEPTR` (counted from 3046). */
  errorInstallingUserBaseptr: 3077,
  /** "Could not get page for normal update" in `do_mmu_update` (counted from 3077). */
  couldNotGetPageForUpdate: 3459,
  /** "Could not get page for mach->phys update" in `do_mmu_update` (counted from 3077). */
  couldNotGetPageForMachphys: 3641,
  /** "ptwr_emulate: could not get_page_from_l1e()" (verified). */
  ptwrCouldNotGet: 4967,
} as const;

/** The console of one Xen: lines as the serial console shows them. */
export class XenConsole {
  /**
   * Every line printed so far, oldest first, e.g.
   * `(XEN) mm.c:2985:d1 Error while pinning mfn 13fff3`.
   */
  readonly lines: string[] = [];

  /**
   * Print a `MEM_LOG` line, as `gdprintk` prefixes it.
   *
   * @param line The line of `mm.c` that prints it (see {@linkcode MM_C_LINE}).
   * @param domid The current domain.
   * @param message The formatted message.
   */
  memLog(line: number, domid: number, message: string): void {
    this.gdprintk("mm.c", line, domid, message);
  }

  /**
   * Print a `gdprintk` line: `FILE:LINE:dN ` before the message.
   *
   * @param file The source file as Xen's build names it (`mm.c`, `traps.c`).
   * @param line The line that prints it.
   * @param domid The current domain.
   * @param message The formatted message.
   */
  gdprintk(file: string, line: number, domid: number, message: string): void {
    this.lines.push(`(XEN) ${file}:${line}:d${domid} ${message}`);
  }

  /**
   * Print a plain `printk` line.
   *
   * @param message The formatted message, without its newline.
   */
  printk(message: string): void {
    this.lines.push(`(XEN) ${message}`);
  }

  /**
   * Forget every line, e.g. between the steps of a chapter.
   */
  clear(): void {
    this.lines.length = 0;
  }
}
