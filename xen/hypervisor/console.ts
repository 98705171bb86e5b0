/**
 * Xen's console as the guest's failures fill it: `MEM_LOG` lines of
 * `xen/arch/x86/mm.c`, and the report of a crashed domain.
 *
 * @module
 */

/** How sure a source line is: read in the release, counted from a read line, or estimated. */
export type LineStatus = "verified" | "counted" | "estimated";

/** One `printk`-family call in a source file: the lines it spans, and how sure they are. */
export interface SourceCall {
  /** The line the call starts on. */
  readonly first: number;
  /** The line of its closing parenthesis, which `__LINE__` names (see {@linkcode MM_C_CALLS}). */
  readonly last: number;
  /** How the lines were found. */
  readonly status: LineStatus;
}

/**
 * Every message of `xen/arch/x86/mm.c` (Xen 4.1.0) the model prints, with the lines its call
 * spans. `MEM_LOG(...)` is `gdprintk(XENLOG_WARNING, ...)`, which prefixes `mm.c:LINE:dN `, and
 * for a call that spans several lines the GCC of 2011 expanded `__LINE__` to the line of the
 * closing parenthesis: a Xen 4.4 log prints `traps.c:458` for a call spanning 456–458, and 2013
 * logs print `mm.c:2429` and `mm.c:908` for calls ending on those lines. So the printed line is
 * `last` ({@linkcode MM_C_LINE}).
 *
 * "verified": read in Xen 4.1.0. "counted": counted from a verified line of the same function in
 * a 4.1-era `mm.c`, in a stretch where that copy puts the verified lines at their 4.1.0 numbers
 * too. "estimated": counted where the copy and 4.1.0 are known to differ somewhere, so it may be
 * off by a few lines.
 */
export const MM_C_CALLS = {
  /**
   * "Could not get page ref for pfn %lx" in `get_page_from_pagenr` (estimated: 148 lines above
   * the verified 806, counting the lines 4.1.0's `get_page_from_l1e` has that the 4.1-era copy
   * lacks).
   */
  couldNotGetPageRef: { first: 658, last: 658, status: "estimated" },
  /** "Bad L1 flags %x" in `get_page_from_l1e` (verified). */
  badL1FlagsGet: { first: 806, last: 806, status: "verified" },
  /**
   * "Non-privileged (%u) attempt to map I/O space %08lx" (verified; the call spans 824–825).
   */
  nonPrivilegedIo: { first: 824, last: 825, status: "verified" },
  /** "Error getting mfn ... from L1 entry ..." (verified; the call spans 904–907). */
  errorGettingMfn: { first: 904, last: 907, status: "verified" },
  /**
   * "Attempt to create linear p.t. with write perms" at L2: `MEM_LOG` sits in the macro
   * `define_get_linear_pagetable`, so the line is that of the invocation
   * `define_get_linear_pagetable(l2)` (verified).
   */
  linearWriteL2: { first: 915, last: 915, status: "verified" },
  /** "Bad L2 flags %x" in `get_page_from_l2e` (verified). */
  badL2FlagsGet: { first: 928, last: 928, status: "verified" },
  /**
   * "Attempt to map superpage without allowsuperpage flag in hypervisor" (verified; the call
   * spans 942–943).
   */
  superpage: { first: 942, last: 943, status: "verified" },
  /** "Attempt to create linear p.t. with write perms" at L3 (counted). */
  linearWriteL3: { first: 957, last: 957, status: "counted" },
  /** "Bad L3 flags %x" in `get_page_from_l3e` (verified). */
  badL3FlagsGet: { first: 969, last: 969, status: "verified" },
  /** "Attempt to create linear p.t. with write perms" at L4 (counted). */
  linearWriteL4: { first: 982, last: 982, status: "counted" },
  /** "Bad L4 flags %x" in `get_page_from_l4e` (verified). */
  badL4FlagsGet: { first: 994, last: 994, status: "verified" },
  /** "Failure in alloc_l1_table: entry %d" (verified). */
  allocL1Failure: { first: 1222, last: 1222, status: "verified" },
  /** "Failure in alloc_l2_table: entry %d" (estimated). */
  allocL2Failure: { first: 1366, last: 1366, status: "estimated" },
  /** "Failure in alloc_l3_table: entry %d" (estimated). */
  allocL3Failure: { first: 1476, last: 1476, status: "estimated" },
  /** "Failure in alloc_l4_table: entry %d" (estimated). */
  allocL4Failure: { first: 1523, last: 1523, status: "estimated" },
  /** "Bad L1 flags %x" in `mod_l1_entry` (verified; the call spans 1783–1784). */
  badL1FlagsMod: { first: 1783, last: 1784, status: "verified" },
  /** "Bad L2 flags %x" in `mod_l2_entry` (verified; the call spans 1851–1852). */
  badL2FlagsMod: { first: 1851, last: 1852, status: "verified" },
  /** "Bad L3 flags %x" in `mod_l3_entry` (verified; the call spans 1917–1918). */
  badL3FlagsMod: { first: 1917, last: 1918, status: "verified" },
  /**
   * "Illegal L4 update attempt in Xen-private area %p" (counted from 1988, as 1840 from 1851).
   */
  illegalL4Update: { first: 1977, last: 1977, status: "counted" },
  /** "Bad L4 flags %x" in `mod_l4_entry` (verified; the call spans 1988–1989). */
  badL4FlagsMod: { first: 1988, last: 1989, status: "verified" },
  /**
   * "Error while validating mfn ... for type ...: caf=... taf=..." (verified; the call spans
   * 2174–2177).
   */
  errorWhileValidating: { first: 2174, last: 2177, status: "verified" },
  /** "Type count overflow on pfn %lx" (counted from 2421). */
  typeCountOverflow: { first: 2360, last: 2360, status: "counted" },
  /**
   * "Bad type (saw ... != exp ...) for mfn %lx (pfn %lx)" (verified; the call spans 2421–2424).
   */
  badType: { first: 2421, last: 2424, status: "verified" },
  /** "Error while installing new baseptr %lx" (verified). */
  errorInstallingBaseptr: { first: 2752, last: 2752, status: "verified" },
  /** "Error while pinning mfn %lx" (verified). */
  errorWhilePinning: { first: 2985, last: 2985, status: "verified" },
  /** "Mfn %lx already pinned" (verified). */
  alreadyPinned: { first: 3001, last: 3001, status: "verified" },
  /** "Mfn %lx bad domain" (counted from 3046). */
  badDomain: { first: 3036, last: 3036, status: "counted" },
  /** "Mfn %lx not pinned" (verified). */
  notPinned: { first: 3046, last: 3046, status: "verified" },
  /** "Error while installing new mfn %lx" for `MMUEXT_NEW_USER_BASEPTR` (counted from 3046). */
  errorInstallingUserBaseptr: { first: 3077, last: 3077, status: "counted" },
  /** "Could not get page for normal update" in `do_mmu_update` (counted from 3077). */
  couldNotGetPageForUpdate: { first: 3459, last: 3459, status: "counted" },
  /** "Could not get page for mach->phys update" in `do_mmu_update` (counted from 3077). */
  couldNotGetPageForMachphys: { first: 3641, last: 3641, status: "counted" },
  /** "ptwr_emulate: could not get_page_from_l1e()" (verified). */
  ptwrCouldNotGet: { first: 4967, last: 4967, status: "verified" },
} as const satisfies Record<string, SourceCall>;

/**
 * The line Xen prints for each message of {@linkcode MM_C_CALLS}: its call's closing line.
 */
export const MM_C_LINE: { readonly [K in keyof typeof MM_C_CALLS]: number } = printedLines(
  MM_C_CALLS,
);

/**
 * The printed line of each call: `last`.
 *
 * @param calls A table of calls.
 * @returns The same keys, each with its call's closing line.
 */
export function printedLines<K extends string>(
  calls: Readonly<Record<K, SourceCall>>,
): { readonly [P in K]: number } {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(calls) as K[]) out[key] = calls[key].last;
  return out;
}

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
