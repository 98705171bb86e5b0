/**
 * `deno task sim`: boot one machine from the command line.
 *
 * ```sh
 * deno task sim --kernel 2.6.39 --memory 1GiB [--hypervisor xen|native] [--json] [--trace KINDS]
 * ```
 *
 * @module
 */

import type { BootEvent } from "../boot/kernel.ts";
import { BootMachine, type BootOptions, type BootResult, RULE_SWITCHES } from "../boot/boot.ts";
import { PROFILES } from "../boot/profiles.ts";
import { parseMemorySize } from "../boot/parse_memory_size.ts";
import { recordMachine } from "../docs/draw/record_boot.ts";
import { bootFigure } from "../docs/draw/boot_figure.ts";
import { formatEvent } from "../boot/format_event.ts";
import { EVENT_KINDS, parsePfn, parseStopAt } from "../boot/stop_at.ts";
import { type MachineQuery, machineQuery } from "../boot/machine_query.ts";
import { virt } from "../mmu/virtual_address.ts";
import { availableMemory, parseCommandLine, runCommand, UsageError } from "./command.ts";

const USAGE = `Usage: deno task sim --kernel ID --memory SIZE [options]

  --kernel ID          a profile (below)
  --memory SIZE        the domain's memory: 768MiB, 4GiB, 1TiB, 4.5GiB, or a number of bytes
  --hypervisor H       xen (default), or native: the same machine and boot code with the
                       native paravirt ops and 4 KiB pages, a control (not a real bare-metal
                       boot, which would use large pages)
  --json               print one JSON object (kernel, memory, hypervisor, outcome, panic,
                       xen_log, xen_log_dropped, pgt_buf, stats)
  --trace KINDS        print the boot's events of these kinds as they happen, comma-separated:
                       printk, init_memory_mapping, alloc_low_page, map_low_page, pv_alloc,
                       hypercall, reserve, early_alloc, chunk, or all (under --json: an
                       "events" array)
${whatIfUsage()}
  --svg FILE           also draw the boot into FILE: its windows to scale and its timeline
                       (with the failure, what Xen and the kernel said, who maps the page);
                       not with --stop-at
  --help               this text

Exit codes: 0 the boot ran, whatever its outcome (ok, bug, oops, panic: read it in the output);
2 bad input (an unknown option, profile, rule, event, a malformed size, pfn or address).

${profilesUsage()}`;

// ---- "what if": rule switches, a stop, queries (issue 13) ----

/** The what-if part of --help: the rule switches and the profiles, read from the model. */
function whatIfUsage(): string {
  const rules = Object.entries(RULE_SWITCHES).map(([name, values]) =>
    `                       ${name}=${values.join("|")}`
  );
  return [
    "  --rule NAME=VALUE    change one rule of the profile (repeatable):",
    ...rules,
    "  --stop-at EVENT[:PFN]  pause at the first such event (the pfn for alloc_low_page,",
    "                       map_low_page, pv_alloc, early_alloc), answer the queries, go on",
    "  --who-maps PFN       every entry that maps the page, with its table's Xen state",
    "  --lookup VA          what lookup_address returns for a kernel virtual address",
    "  --type-info PFN      Xen's type_info of the page's frame",
    "                       (queries without --stop-at are answered at the end of the boot)",
  ].join("\n");
}

/** The profiles, each with what it is (`PROFILES[id].kind`), its summary and its history. */
function profilesUsage(): string {
  const profiles = Object.values(PROFILES).flatMap((p) =>
    [...wrapText(`${p.kind}: ${p.summary}`, 81), ...wrapText(p.history, 81)].map((line, i) =>
      `  ${(i === 0 ? p.id : "").padEnd(17)}${line}`
    )
  );
  return ["Profiles (release, a real intermediate tree, or a reconstruction):", ...profiles]
    .join("\n");
}

/** Break text into lines of at most `width` characters, at spaces. */
function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The what-if switches as read from the command line. */
interface WhatIf {
  rules: NonNullable<BootOptions["rules"]>;
  stopAt: string | undefined;
  queries: Array<(pages: number) => MachineQuery>;
}

/** Read --rule, --stop-at and the queries; the pfns are checked once the size is known. */
function whatIfOptions(v: {
  rule?: string[];
  "stop-at"?: string;
  "who-maps"?: string[];
  lookup?: string[];
  "type-info"?: string[];
}): WhatIf {
  const rules: Record<string, string | boolean> = {};
  for (const r of v.rule ?? []) {
    const [name, value, ...rest] = r.split("=");
    const allowed = Object.hasOwn(RULE_SWITCHES, name) ? RULE_SWITCHES[name] : undefined;
    if (allowed === undefined || value === undefined || rest.length > 0) {
      throw new UsageError(
        `--rule "${r}" is not NAME=VALUE with NAME one of ${Object.keys(RULE_SWITCHES).join(", ")}`,
      );
    }
    const chosen = allowed.find((a) => String(a) === value);
    if (chosen === undefined) {
      throw new UsageError(`--rule ${name}="${value}" is not one of: ${allowed.join(", ")}`);
    }
    rules[name] = chosen;
  }
  const queries: WhatIf["queries"] = [];
  for (const p of v["who-maps"] ?? []) {
    queries.push((pages) => ({ kind: "who_maps", pfn: parsePfn(p, pages) }));
  }
  for (const p of v["type-info"] ?? []) {
    queries.push((pages) => ({ kind: "type_info", pfn: parsePfn(p, pages) }));
  }
  for (const a of v.lookup ?? []) {
    const va = virt(a);
    queries.push(() => ({ kind: "lookup_address", va }));
  }
  return { rules, stopAt: v["stop-at"], queries };
}

/** The events of `--json --trace`: each event's fields, and its trace line. */
function eventJson(e: BootEvent): Record<string, unknown> {
  return { ...e, text: formatEvent(e) };
}

/** The JSON object of `--json` (DESIGN §5's fields, snake case as the kernel would name them). */
function toJson(r: BootResult, extra: Record<string, unknown>): unknown {
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
    ...extra,
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
  return runCommand("sim", () => run(args, out));
}

function run(args: readonly string[], out: (line: string) => void): number {
  const v = parseCommandLine(args, {
    kernel: { type: "string" },
    memory: { type: "string" },
    hypervisor: { type: "string" },
    json: { type: "boolean", default: false },
    trace: { type: "string" },
    rule: { type: "string", multiple: true },
    "stop-at": { type: "string" },
    "who-maps": { type: "string", multiple: true },
    lookup: { type: "string", multiple: true },
    "type-info": { type: "string", multiple: true },
    help: { type: "boolean", default: false },
    svg: { type: "string" },
  });
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
  const whatIf = whatIfOptions(v);
  const kinds = new Set<string>();
  for (const kind of (v.trace ?? "").split(",").filter((s) => s !== "")) {
    if (kind === "all") EVENT_KINDS.forEach((k) => kinds.add(k));
    else if ((EVENT_KINDS as readonly string[]).includes(kind)) kinds.add(kind);
    else {
      throw new UsageError(
        `--trace "${kind}" is not an event kind: ${EVENT_KINDS.join(", ")}, all`,
      );
    }
  }
  const memory = parseMemorySize(v.memory);
  const pages = Math.floor(memory / 4096);
  const stop = whatIf.stopAt === undefined ? null : parseStopAt(whatIf.stopAt, pages);
  const queries = whatIf.queries.map((q) => q(pages));
  const machine = new BootMachine({
    kernel: v.kernel,
    memory,
    hypervisor,
    rules: whatIf.rules,
    memoryLimit: availableMemory(),
  });
  if (v.svg === "") throw new UsageError('--svg "" is not a file name (e.g. --svg boot.svg)');
  if (v.svg !== undefined && stop !== null) {
    throw new UsageError("--svg draws the whole boot: it does not go with --stop-at");
  }
  const progress = !v.json && Deno.stderr.isTerminal();
  let tables = 0;
  const events: unknown[] = [];
  const onEvent = (e: BootEvent) => {
    if (kinds.has(e.kind)) {
      if (v.json) events.push(eventJson(e));
      else out(formatEvent(e));
    }
    if (progress && e.kind === "alloc_low_page" && ++tables % 4096 === 0) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${tables} table pages...`));
    }
  };
  const stopped = stopAndAsk(machine, stop, queries, onEvent);
  if (!v.json) stopped.lines.forEach((line) => out(line));
  // --svg records the events as the boot runs (one boot, not two)
  const record = v.svg === undefined ? null : recordMachine(machine, onEvent);
  const result = record === null ? machine.finish(onEvent) : record.result;
  if (record !== null) writeSvg(v.svg!, bootFigure(record));
  const atEnd = stop === null ? queries.flatMap((q) => machineQuery(machine, q)) : [];
  if (progress && tables >= 4096) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  if (v.json) {
    const extra: Record<string, unknown> = {};
    if (Object.keys(whatIf.rules).length > 0) extra.rules = whatIf.rules;
    if (kinds.size > 0) extra.events = events;
    if (stop !== null) extra.stop = stopped.json;
    if (atEnd.length > 0) extra.queries = atEnd;
    out(JSON.stringify(toJson(result, extra), null, 2));
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
  if (atEnd.length > 0) {
    out("--- queries at the end of the boot");
    atEnd.forEach((line) => out(line));
  }
  return 0;
}

/** Write the `--svg` file; a path that cannot be written is a command-line mistake. */
function writeSvg(file: string, svg: string): void {
  try {
    Deno.writeTextFileSync(file, svg);
  } catch (error) {
    throw new UsageError(`--svg "${file}" cannot be written: ${(error as Error).message}`);
  }
}

/** Run to the stop, if any, and answer the queries there: as text lines and as JSON. */
function stopAndAsk(
  machine: BootMachine,
  stop: ((e: BootEvent) => boolean) | null,
  queries: readonly MachineQuery[],
  onEvent: (e: BootEvent) => void,
): { lines: string[]; json: unknown } {
  if (stop === null) return { lines: [], json: null };
  const e = machine.runUntil(stop, onEvent);
  const answers = queries.flatMap((q) => machineQuery(machine, q));
  const head = e === null
    ? "--- the boot ended before the --stop-at event"
    : `--- stopped at ${formatEvent(e)}`;
  return {
    lines: [head, ...answers],
    json: { event: e === null ? null : eventJson(e), queries: answers },
  };
}

if (import.meta.main) Deno.exit(simMain(Deno.args));
