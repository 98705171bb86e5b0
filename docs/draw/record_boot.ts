/**
 * `recordBoot`: run one boot and keep what the figures draw from it: each `init_memory_mapping`
 * call with `max_pfn_mapped` as the call found it, the window of each call, a compact list of
 * the events, and, for a failed boot, the page the failure is about and every entry that maps it
 * at that moment.
 *
 * @module
 */

import { BootMachine, type BootOptions, type BootResult } from "../../boot/boot.ts";
import type { BootEvent } from "../../boot/kernel.ts";
import { EventLog } from "./event_log.ts";
import { failureMechanism } from "../../boot/outcome_table.ts";
import type { PgtBuf } from "../../boot/find_early_table_space.ts";
import type { Mapping } from "../../xen/hypervisor/who_maps.ts";
import { formatVirt } from "../../mmu/virtual_address.ts";
import { PAGE_SIZE } from "../../mmu/page_64_types.ts";
import { formatSize } from "./svg.ts";

/** One `init_memory_mapping` call as the boot made it. */
export interface RecordedCall {
  /** The first pfn the call maps. */
  readonly start: number;
  /** One past the last pfn it maps. */
  readonly end: number;
  /** `max_pfn_mapped` when the call began. */
  readonly maxPfnMapped: number;
  /** The index in {@linkcode BootRecord.events} of the call's event. */
  readonly at: number;
}

/** A failed boot's page: the one Xen names, or the one the kernel faulted on. */
export interface FailedPage {
  /** Its pfn. */
  readonly pfn: number;
  /** Where the pfn came from (which line of which log). */
  readonly source: string;
  /** Every entry that maps it when the boot stopped. */
  readonly mappings: readonly Mapping[];
}

/** What {@linkcode recordBoot} keeps. */
export interface BootRecord {
  /** The boot's result. */
  readonly result: BootResult;
  /** `A`, `P`, `V`, `R`, `ok`, or the outcome with `?` (see `failureMechanism`). */
  readonly mechanism: string;
  /** The `init_memory_mapping` calls, in order. */
  readonly calls: readonly RecordedCall[];
  /** The windows, one per call that used one (the boot's `pgt_buf`). */
  readonly windows: readonly PgtBuf[];
  /** Every event, in order. */
  readonly events: EventLog;
  /** `max_pfn` of the memory map: the end of RAM the kernel will map. */
  readonly maxPfn: number;
  /** The failed page, for a failed boot whose logs name one; else null. */
  readonly failure: FailedPage | null;
}

/**
 * Boot a machine and record it for drawing.
 *
 * @example The 2.6.39 windows of a 1 GiB domU
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordBoot } from "./mod.ts";
 * const r = recordBoot({ kernel: "2.6.39", memory: 2 ** 30 });
 * assert.equal(r.windows[0].start, 0x3fdfe);
 * assert.equal(r.calls.length, 2);
 * ```
 *
 * @param options What to boot.
 * @returns The record.
 */
export function recordBoot(options: BootOptions): BootRecord {
  return recordMachine(new BootMachine(options));
}

/**
 * Run a prepared boot to the end and record it for drawing.
 *
 * @param m The machine, not yet run.
 * @param onEvent Also called with every event (for `sim --trace`).
 * @returns The record.
 */
export function recordMachine(m: BootMachine, onEvent?: (e: BootEvent) => void): BootRecord {
  const k = m.kernel;
  const calls: RecordedCall[] = [];
  const events = new EventLog();
  let front = 0;
  const result = m.finish((e) => {
    onEvent?.(e);
    if (e.kind === "init_memory_mapping") {
      calls.push({
        start: e.start / PAGE_SIZE,
        end: e.end / PAGE_SIZE,
        maxPfnMapped: k.max_pfn_mapped,
        at: events.length,
      });
    }
    if (e.kind === "chunk") front = e.end / PAGE_SIZE;
    events.push({
      kind: e.kind,
      pfn: "pfn" in e ? e.pfn : -1,
      bufEnd: k.pgt_buf.end,
      front,
      rc: e.kind === "hypercall" ? e.rc : 0,
    });
  });
  const pfn = failedPfn(result);
  return {
    result,
    mechanism: failureMechanism(result),
    calls,
    windows: result.pgt_buf,
    events,
    maxPfn: k.memory.maxPfn,
    failure: pfn === null ? null : { ...pfn, mappings: m.whoMaps(pfn.pfn) },
  };
}

/**
 * The page a failure is about: the first pfn Xen's console names (the page whose type Xen
 * refused), or else, for an oops, the page that really faulted (the boot's `fault` record; the
 * oops line cannot say, since under Xen it reads `(null)`, chapter 8).
 */
function failedPfn(r: BootResult): { pfn: number; source: string } | null {
  if (r.outcome === "ok") return null;
  for (const line of r.xen_log) {
    const found = /\(pfn ([0-9a-f]+)\)/.exec(line);
    if (found !== null) return { pfn: parseInt(found[1], 16), source: line };
  }
  if (r.fault === null || r.fault.pfn === null) return null;
  return {
    pfn: r.fault.pfn,
    source: `page fault at ${formatVirt(r.fault.va)} (the cr2 Xen propagated)`,
  };
}

/**
 * How the figures name a boot: `2.6.39 on Xen, 1 GiB`, or `on native (control)` for the same
 * machine with the native paravirt ops.
 *
 * @param r The boot's result.
 * @returns The name.
 */
export function bootName(r: BootResult): string {
  return `${r.kernel} on ${r.hypervisor === "xen" ? "Xen" : "native (control)"}, ${
    formatSize(r.memory)
  }`;
}
