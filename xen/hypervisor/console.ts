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

/**
 * `_CONRING_SIZE` of `xen/drivers/char/console.c`: Xen keeps the last 16 KiB
 * of its console output in a ring (`conring`, read by `xl dmesg`), unless
 * booted with `conring_size=`.
 */
export const CONRING_SIZE = 16384;

/** Options of {@linkcode XenConsole}. */
export interface XenConsoleOptions {
  /**
   * The ring's size in bytes (each line costs its characters plus a newline).
   * @default {CONRING_SIZE}
   */
  size?: number;
  /**
   * The line a `MEM_LOG` prints at, given its line in Xen 4.1.0: a patched
   * Xen's lines move (see `patchedMmCLine`).
   * @default {the identity}
   */
  mmCLine?: (line: number) => number;
}

/**
 * The console of one Xen: lines as the serial console shows them, kept in a
 * bounded ring like Xen's `conring`. When a new line does not fit, the
 * oldest whole lines fall out and are counted in {@linkcode dropped} (Xen's
 * ring drops characters, so it may keep the tail of a line; the model keeps
 * whole lines).
 *
 * @example The ring keeps the newest lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { XenConsole } from "@xenmmu/book";
 * const con = new XenConsole({ size: 40 });
 * for (const n of [1, 2, 3]) con.printk(`line ${n} of the console`); // 30 bytes each
 * assert.deepEqual(con.lines, ["(XEN) line 3 of the console"]);
 * assert.equal(con.dropped, 2);
 * assert.equal(con.printed, 3);
 * ```
 */
export class XenConsole {
  /**
   * The lines still in the ring, oldest first, e.g.
   * `(XEN) mm.c:2985:d1 Error while pinning mfn 13fff3`.
   */
  readonly lines: string[] = [];
  /** The ring's size in bytes. */
  readonly size: number;
  /** How many lines fell out of the ring to make room for newer ones. */
  dropped = 0;
  /** How many lines were printed in all, kept or dropped. */
  printed = 0;
  #bytes = 0;
  readonly #mmCLine: (line: number) => number;

  /**
   * An empty console.
   *
   * @param options The ring's size, and where `mm.c`'s lines are.
   * @throws {RangeError} When `size` is not a whole number of bytes from 1 up.
   */
  constructor(options: XenConsoleOptions = {}) {
    const size = options.size ?? CONRING_SIZE;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Console ring of ${size} bytes is not possible: use a whole number >= 1`,
      );
    }
    this.size = size;
    this.#mmCLine = options.mmCLine ?? ((line) => line);
  }

  /**
   * Print a `MEM_LOG` line, as `gdprintk` prefixes it.
   *
   * @param line The line of Xen 4.1.0's `mm.c` that prints it (see {@linkcode MM_C_LINE}).
   * @param domid The current domain.
   * @param message The formatted message.
   */
  memLog(line: number, domid: number, message: string): void {
    this.gdprintk("mm.c", this.#mmCLine(line), domid, message);
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
    this.#put(`(XEN) ${file}:${line}:d${domid} ${message}`);
  }

  /**
   * Print a plain `printk` line.
   *
   * @param message The formatted message, without its newline.
   */
  printk(message: string): void {
    this.#put(`(XEN) ${message}`);
  }

  /**
   * The lines printed since {@linkcode printed} was `mark`, those still in the ring.
   *
   * @param mark An earlier value of {@linkcode printed}.
   * @returns Those lines, oldest first.
   */
  linesSince(mark: number): string[] {
    const n = Math.min(this.printed - mark, this.lines.length);
    return n <= 0 ? [] : this.lines.slice(this.lines.length - n);
  }

  /**
   * Forget every line, e.g. between the steps of a chapter (the counts stay).
   */
  clear(): void {
    this.lines.length = 0;
    this.#bytes = 0;
  }

  #put(text: string): void {
    this.lines.push(text);
    this.printed++;
    this.#bytes += text.length + 1;
    let drop = 0;
    while (this.#bytes > this.size && drop < this.lines.length - 1) {
      this.#bytes -= this.lines[drop].length + 1;
      drop++;
    }
    if (drop > 0) {
      this.lines.splice(0, drop);
      this.dropped += drop;
    }
  }
}
