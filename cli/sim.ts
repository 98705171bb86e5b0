/**
 * `deno task sim`: boot one machine from the command line.
 *
 * ```sh
 * deno task sim --kernel 2.6.39 --memory 1GiB [--hypervisor xen|native] [--json] [--trace KINDS]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { BootEvent } from "../boot/kernel.ts";
import { BootMachine, type BootResult } from "../boot/boot.ts";
import { PROFILES } from "../boot/profiles.ts";
import { parseMemorySize } from "../boot/parse_memory_size.ts";
import { availableMemory } from "./command.ts";

const USAGE = `Usage: deno task sim --kernel ID --memory SIZE [options]

  --kernel ID          2.6.38, 2.6.39, 2.6.39-rc1, published-range, 2.6.39-rc-top, alloc-hooks,
                       3.9
  --memory SIZE        the domain's memory: 768MiB, 4GiB, 1TiB, 4.5GiB, or a number of bytes
  --hypervisor H       xen (default) or native
  --json               print one JSON object (kernel, memory, hypervisor, outcome, panic,
                       xen_log, xen_log_dropped, pgt_buf, stats)
  --trace KINDS        print the boot's events of these kinds as they happen, comma-separated:
                       printk, init_memory_mapping, alloc_low_page, map_low_page, pv_alloc,
                       hypercall, reserve, early_alloc, chunk, or all
  --help               this text`;

const EVENT_KINDS = [
  "printk",
  "init_memory_mapping",
  "alloc_low_page",
  "map_low_page",
  "pv_alloc",
  "hypercall",
  "reserve",
  "early_alloc",
  "chunk",
];

/** A command-line mistake: printed with the usage hint, exit code 2. */
class UsageError extends Error {}

/** One event as a trace line. */
function traceLine(e: BootEvent): string {
  const hex = (n: number) => "0x" + n.toString(16);
  switch (e.kind) {
    case "printk":
      return `printk ${e.line}`;
    case "init_memory_mapping":
      return `init_memory_mapping ${hex(e.start)}-${hex(e.end)}`;
    case "alloc_low_page":
    case "map_low_page":
    case "early_alloc":
      return `${e.kind} pfn ${hex(e.pfn)}`;
    case "pv_alloc":
      return `pv_alloc ${e.hook} pfn ${hex(e.pfn)}`;
    case "hypercall":
      return `hypercall ${e.call} rc ${e.rc}`;
    case "reserve":
      return `reserve pfn ${hex(e.start)}-${hex(e.end)}`;
    case "chunk":
      return `chunk ${hex(e.start)}-${hex(e.end)} mapped`;
  }
}

/** The JSON object of `--json` (DESIGN §5's fields, snake case as the kernel would name them). */
function toJson(r: BootResult): unknown {
  return {
    kernel: r.kernel,
    memory: r.memory,
    hypervisor: r.hypervisor,
    outcome: r.outcome,
    panic: r.panic,
    xen_log: r.xen_log,
    xen_log_dropped: r.xen_log_dropped,
    pgt_buf: r.pgt_buf,
    stats: {
      table_pages: r.stats.tablePages,
      hypercalls: r.stats.hypercalls,
      emulated_stores: r.stats.emulatedStores,
      warnings: r.stats.warnings,
    },
    notes: r.notes,
  };
}

/**
 * Run the `sim` command.
 *
 * @param args The arguments after `sim`.
 * @param out Where the result goes (standard output by default).
 * @returns The exit code: 0 when the boot ran (whatever its outcome), 2 for a bad command line.
 */
export function simMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
): number {
  try {
    return run(args, out);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      console.error(`sim: ${error.message}`);
      console.error("Run `deno task sim --help` for the options.");
      return 2;
    }
    throw error;
  }
}

function run(args: readonly string[], out: (line: string) => void): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        kernel: { type: "string" },
        memory: { type: "string" },
        hypervisor: { type: "string" },
        json: { type: "boolean", default: false },
        trace: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    out(USAGE);
    return 0;
  }
  if (v.kernel === undefined) {
    throw new UsageError(`--kernel is required (${Object.keys(PROFILES).join(", ")})`);
  }
  if (v.memory === undefined) throw new UsageError("--memory is required (e.g. 1GiB)");
  const hypervisor = v.hypervisor ?? "xen";
  if (hypervisor !== "xen" && hypervisor !== "native") {
    throw new UsageError(`--hypervisor "${hypervisor}" is not one of: xen, native`);
  }
  const kinds = new Set<string>();
  for (const kind of (v.trace ?? "").split(",").filter((s) => s !== "")) {
    if (kind === "all") EVENT_KINDS.forEach((k) => kinds.add(k));
    else if (EVENT_KINDS.includes(kind)) kinds.add(kind);
    else {
      throw new UsageError(
        `--trace "${kind}" is not an event kind: ${EVENT_KINDS.join(", ")}, all`,
      );
    }
  }
  const machine = new BootMachine({
    kernel: v.kernel,
    memory: parseMemorySize(v.memory),
    hypervisor,
    memoryLimit: availableMemory(),
  });
  const progress = !v.json && Deno.stderr.isTerminal();
  let tables = 0;
  const result = machine.finish((e) => {
    if (kinds.has(e.kind)) out(traceLine(e));
    if (progress && e.kind === "alloc_low_page" && ++tables % 4096 === 0) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${tables} table pages...`));
    }
  });
  if (progress && tables >= 4096) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  if (v.json) {
    out(JSON.stringify(toJson(result), null, 2));
    return 0;
  }
  out(`${result.kernel} on ${result.hypervisor}, ${v.memory}: ${result.outcome}`);
  for (const note of result.notes) out(`note: ${note}`);
  out("--- kernel log");
  for (const line of result.log) out(line);
  if (result.xen_log.length > 0) {
    out("--- Xen console");
    for (const line of result.xen_log) out(line);
  }
  out("--- windows (pfns)");
  result.pgt_buf.forEach((w, i) =>
    out(
      `call ${i + 1}: start 0x${w.start.toString(16)} end 0x${w.end.toString(16)} top 0x${
        w.top.toString(16)
      } (${w.end - w.start} of ${w.top - w.start} pages used)`,
    )
  );
  out(
    `table pages ${result.stats.tablePages}, hypercalls ${result.stats.hypercalls}, ` +
      `emulated stores ${result.stats.emulatedStores}, warnings ${result.stats.warnings}`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(simMain(Deno.args));
