/**
 * YAML scenarios: a teacher's "what if" without TypeScript. `parseScenario` reads and checks a
 * scenario (every error names file, line, column and the rule broken); `runScenario` boots it,
 * stops at each step, answers the step's queries and checks the expectations. `deno task
 * scenario FILE` (cli/scenario.ts) prints the report.
 *
 * The document is read with YAML's failsafe schema, so every value keeps its text: `kernel: 3.9`
 * is the profile "3.9", and `kernel: 3.10` is the unknown profile "3.10", never the number 3.1.
 *
 * @module
 */

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { PAGE_SIZE } from "../mmu/page_64_types.ts";
import { virt } from "../mmu/virtual_address.ts";
import { BootMachine, type BootOptions, type BootOutcome, RULE_SWITCHES } from "./boot.ts";
import { formatEvent } from "./format_event.ts";
import type { BootEvent } from "./kernel.ts";
import { type MachineQuery, machineQuery } from "./machine_query.ts";
import { parseMemorySize } from "./parse_memory_size.ts";
import { getProfile } from "./profiles.ts";
import { parsePfn, parseStopAt } from "./stop_at.ts";

/** A scenario that cannot be run: where, and which rule it breaks. */
export class ScenarioError extends Error {
  /** The file, as given. */
  readonly file: string;
  /** The line, from 1. */
  readonly line: number;
  /** The column, from 1. */
  readonly col: number;

  /**
   * Make the error; its message is `file:line:col: rule`.
   *
   * @param file The file.
   * @param line The line.
   * @param col The column.
   * @param rule What is wrong, and the rule.
   */
  constructor(file: string, line: number, col: number, rule: string) {
    super(`${file}:${line}:${col}: ${rule}`);
    this.name = "ScenarioError";
    this.file = file;
    this.line = line;
    this.col = col;
  }
}

/** One `steps` entry: run until an event, then answer the queries. */
export interface ScenarioStep {
  /** The line of the step in the file. */
  readonly line: number;
  /** The `until` text, e.g. `pv_alloc:0x3fe05`. */
  readonly until: string;
  /** The predicate it stands for. */
  readonly stop: (e: BootEvent) => boolean;
  /** The queries of `show`, in order. */
  readonly show: readonly MachineQuery[];
}

/** The keys of `expect`. */
export type ExpectationKey = "outcome" | "xen_log_contains" | "panic_contains" | "notes_contain";

/** One expectation: a key, one expected value, and where it is written. */
export interface ScenarioExpectation {
  /** The key. */
  readonly key: ExpectationKey;
  /** The expected outcome, or a text that must appear. */
  readonly value: string;
  /** Its line in the file. */
  readonly line: number;
}

/** A checked scenario. */
export interface Scenario {
  /** The file name used in messages. */
  readonly file: string;
  /** The machine, as `boot()` takes it (rules included). */
  readonly options: BootOptions;
  /** The memory as written (`6GiB`). */
  readonly memoryText: string;
  /** The steps, in order. */
  readonly steps: readonly ScenarioStep[];
  /** The expectations, in file order. */
  readonly expect: readonly ScenarioExpectation[];
}

/** What running a scenario produced. */
export interface ScenarioReport {
  /** The report, line by line. */
  readonly lines: readonly string[];
  /** One line per failed expectation (`file:line: ...`); empty when all held. */
  readonly failures: readonly string[];
}

const TOP_KEYS = ["machine", "rules", "steps", "expect"];
const MACHINE_KEYS = ["kernel", "memory", "hypervisor", "early_allocations"];
const EXPECT_KEYS: readonly ExpectationKey[] = [
  "outcome",
  "xen_log_contains",
  "panic_contains",
  "notes_contain",
];
const OUTCOMES: readonly BootOutcome[] = ["ok", "bug", "oops", "panic"];
const QUERIES_WITH_ARG = ["lookup_address", "who_maps", "type_info"];
const QUERIES_BARE = ["window", "front"];

/**
 * Read and check a scenario.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScenario } from "@xenmmu/book";
 * const s = parseScenario("machine:\n  kernel: 3.9\n  memory: 1GiB\n", "lab.yaml");
 * assert.equal(s.options.kernel, "3.9");
 * assert.throws(
 *   () => parseScenario("machine:\n  kernel: 3.10\n  memory: 1GiB\n", "lab.yaml"),
 *   /^ScenarioError: lab.yaml:2:11: Unknown kernel profile "3.10"/,
 * );
 * ```
 *
 * @param text The YAML.
 * @param file The file name to put in messages.
 * @returns The scenario.
 * @throws {ScenarioError} At the first error: YAML syntax, an unknown key, a wrong type, an
 *   unknown profile, a bad size, a bad pfn or address, an unknown event or query.
 */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    schema: "failsafe",
    prettyErrors: false,
    uniqueKeys: true,
  });
  const at = (node: Node | null | undefined, rule: string): ScenarioError => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return new ScenarioError(file, line, col, rule);
  };
  const lineOf = (node: Node | null | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0).line;
  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    throw new ScenarioError(
      file,
      pos.line,
      pos.col,
      `YAML syntax: ${error.message.split(" at line")[0]} (${error.code})`,
    );
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw at(root, `A scenario is a mapping with the keys ${TOP_KEYS.join(", ")}`);
  }
  const top = entries(root, TOP_KEYS, "the top level", at);

  // machine
  const machineNode = top.get("machine");
  if (machineNode === undefined) {
    throw at(root, "The key machine is required (kernel and memory at least)");
  }
  if (!isMap(machineNode)) {
    throw at(
      machineNode,
      "machine must be a mapping: kernel, memory, hypervisor, early_allocations",
    );
  }
  const machine = entries(machineNode, MACHINE_KEYS, "machine", at);
  const kernelNode = machine.get("kernel");
  if (kernelNode === undefined) throw at(machineNode, "machine.kernel is required (a profile id)");
  const kernel = scalarText(kernelNode, "machine.kernel", "a profile id", at);
  try {
    getProfile(kernel);
  } catch (error) {
    throw at(kernelNode, (error as Error).message);
  }
  const memoryNode = machine.get("memory");
  if (memoryNode === undefined) {
    throw at(machineNode, "machine.memory is required (e.g. 1GiB, 4.5GiB, 768MiB)");
  }
  const memoryText = scalarText(memoryNode, "machine.memory", "a size such as 1GiB", at);
  let memory: number;
  try {
    memory = parseMemorySize(memoryText);
  } catch (error) {
    throw at(memoryNode, (error as Error).message);
  }
  const hvNode = machine.get("hypervisor");
  const hypervisor = hvNode === undefined
    ? "xen"
    : scalarText(hvNode, "machine.hypervisor", "xen or native", at);
  if (hypervisor !== "xen" && hypervisor !== "native") {
    throw at(hvNode, `machine.hypervisor "${hypervisor}" is not one of: xen, native`);
  }
  const eaNode = machine.get("early_allocations");
  let earlyAllocations: number | undefined;
  if (eaNode !== undefined) {
    const t = scalarText(eaNode, "machine.early_allocations", "a whole number", at);
    if (!/^[0-9]+$/.test(t)) {
      throw at(eaNode, `machine.early_allocations "${t}" is not a whole number >= 0`);
    }
    earlyAllocations = Number(t);
  }
  const nrPages = memory / PAGE_SIZE;

  // rules
  const rules: Record<string, string | boolean> = {};
  const rulesNode = top.get("rules");
  if (rulesNode !== undefined && !isEmpty(rulesNode)) {
    if (!isMap(rulesNode)) throw at(rulesNode, "rules must be a mapping of rule switches");
    for (const [name, node] of entries(rulesNode, Object.keys(RULE_SWITCHES), "rules", at)) {
      const allowed = RULE_SWITCHES[name];
      const t = scalarText(node, `rules.${name}`, allowed.join(" or "), at);
      const value = allowed.find((v) => String(v) === t);
      if (value === undefined) {
        throw at(node, `rules.${name} "${t}" is not one of: ${allowed.join(", ")}`);
      }
      rules[name] = value;
    }
  }

  // steps
  const steps: ScenarioStep[] = [];
  const stepsNode = top.get("steps");
  if (stepsNode !== undefined && !isEmpty(stepsNode)) {
    if (!isSeq(stepsNode)) throw at(stepsNode, "steps must be a list of {until, show}");
    for (const stepNode of (stepsNode as YAMLSeq<Node>).items) {
      if (!isMap(stepNode)) throw at(stepNode, "A step must be a mapping: until, show");
      const step = entries(stepNode, ["until", "show"], "a step", at);
      const untilNode = step.get("until");
      if (untilNode === undefined) throw at(stepNode, "A step needs until: EVENT or EVENT:pfn");
      const until = scalarText(untilNode, "until", "EVENT or EVENT:pfn", at);
      let stop: (e: BootEvent) => boolean;
      try {
        stop = parseStopAt(until, nrPages);
      } catch (error) {
        throw at(untilNode, (error as Error).message);
      }
      const show: MachineQuery[] = [];
      const showNode = step.get("show");
      if (showNode !== undefined && !isEmpty(showNode)) {
        if (!isSeq(showNode)) throw at(showNode, "show must be a list of queries");
        for (const q of (showNode as YAMLSeq<Node>).items) show.push(query(q, nrPages, at));
      }
      steps.push({ line: lineOf(stepNode), until, stop, show });
    }
  }

  // expect
  const expect: ScenarioExpectation[] = [];
  const expectNode = top.get("expect");
  if (expectNode !== undefined && !isEmpty(expectNode)) {
    if (!isMap(expectNode)) {
      throw at(expectNode, `expect must be a mapping: ${EXPECT_KEYS.join(", ")}`);
    }
    for (const [key, node] of entries(expectNode, EXPECT_KEYS, "expect", at)) {
      if (key === "outcome") {
        const t = scalarText(node, "expect.outcome", OUTCOMES.join(", "), at);
        if (!(OUTCOMES as readonly string[]).includes(t)) {
          throw at(node, `expect.outcome "${t}" is not one of: ${OUTCOMES.join(", ")}`);
        }
        expect.push({ key, value: t, line: lineOf(node) });
        continue;
      }
      const items = isSeq(node) ? (node as YAMLSeq<Node>).items : [node];
      for (const item of items) {
        const t = scalarText(item, `expect.${key}`, "a text, or a list of texts", at);
        expect.push({ key: key as ExpectationKey, value: t, line: lineOf(item) });
      }
    }
  }
  return {
    file,
    options: { kernel, memory, hypervisor, earlyAllocations, rules },
    memoryText,
    steps,
    expect,
  };
}

type At = (node: Node | null | undefined, rule: string) => ScenarioError;

/** A mapping's entries by key, refusing keys not in `allowed`. */
function entries(
  map: YAMLMap,
  allowed: readonly string[],
  where: string,
  at: At,
): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    if (!allowed.includes(key)) {
      throw at(keyNode, `Unknown key "${key}" in ${where}: the keys are ${allowed.join(", ")}`);
    }
    // an empty value (`rules:`) is a null node; keep the key's position for messages
    out.set(key, (pair.value as Node | null) ?? keyNode);
  }
  return out;
}

/** Whether a node is an empty value (`key:` with nothing after it). */
function isEmpty(node: Node): boolean {
  return isScalar(node) && node.value === "";
}

/** A scalar's text; anything else is a wrong type. */
function scalarText(node: Node, name: string, wanted: string, at: At): string {
  if (!isScalar(node)) {
    throw at(
      node,
      `${name} must be a single value (${wanted}), not a ${isSeq(node) ? "list" : "mapping"}`,
    );
  }
  const t = String(node.value);
  if (t === "") throw at(node, `${name} is empty: it needs ${wanted}`);
  return t;
}

/** One query of `show`. */
function query(node: Node, nrPages: number, at: At): MachineQuery {
  const known = [...QUERIES_BARE, ...QUERIES_WITH_ARG.map((q) => `${q}: ARG`)].join(", ");
  if (isScalar(node)) {
    const t = String(node.value);
    if (t === "window" || t === "front") return { kind: t };
    throw at(node, `Unknown query "${t}": the queries are ${known}`);
  }
  if (!isMap(node) || node.items.length !== 1) {
    throw at(node, `A query is one name, or one name: argument (${known})`);
  }
  const [name, arg] = [...entries(node, QUERIES_WITH_ARG, "a query", at)][0];
  const t = scalarText(arg, name, name === "lookup_address" ? "a virtual address" : "a pfn", at);
  try {
    if (name === "lookup_address") return { kind: name, va: virt(t) };
    return { kind: name as "who_maps" | "type_info", pfn: parsePfn(t, nrPages) };
  } catch (error) {
    throw at(arg, (error as Error).message);
  }
}

/**
 * Boot a scenario's machine, stop at each step, answer its queries, and check the expectations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScenario, runScenario } from "@xenmmu/book";
 * const s = parseScenario(
 *   "machine: {kernel: alloc-hooks, memory: 1GiB}\nexpect:\n  outcome: bug\n",
 *   "lab.yaml",
 * );
 * assert.deepEqual(runScenario(s).failures, []);
 * ```
 *
 * @param s The scenario.
 * @returns The report and the failed expectations.
 */
export function runScenario(s: Scenario): ScenarioReport {
  const o = s.options;
  const lines: string[] = [];
  const ruleText = Object.entries(o.rules ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  lines.push(
    `${s.file}: ${o.kernel} on ${o.hypervisor}, ${s.memoryText}` +
      (ruleText === "" ? "" : ` (rules: ${ruleText})`),
  );
  const m = new BootMachine(o);
  s.steps.forEach((step, i) => {
    const e = m.runUntil(step.stop);
    lines.push(
      `step ${i + 1} (line ${step.line}), until ${step.until}: ` +
        (e === null ? "the boot ended before it" : `stopped at ${formatEvent(e)}`),
    );
    for (const q of step.show) for (const line of machineQuery(m, q)) lines.push("  " + line);
  });
  const r = m.finish();
  lines.push(`outcome: ${r.outcome}`);
  if (r.panic !== null) lines.push("--- panic", ...r.panic.split("\n"));
  if (r.xen_log.length > 0) lines.push("--- Xen console", ...r.xen_log);
  if (r.notes.length > 0) lines.push("--- notes", ...r.notes);
  const failures: string[] = [];
  if (s.expect.length > 0) lines.push("--- expectations");
  for (const x of s.expect) {
    let held: boolean;
    let got: string;
    switch (x.key) {
      case "outcome":
        held = r.outcome === x.value;
        got = `the outcome is ${r.outcome}`;
        break;
      case "xen_log_contains":
        held = r.xen_log.some((l) => l.includes(x.value));
        got = "no Xen console line contains it";
        break;
      case "panic_contains":
        held = (r.panic ?? "").includes(x.value);
        got = r.panic === null ? "there is no panic" : "the panic does not contain it";
        break;
      case "notes_contain":
        held = r.notes.some((n) => n.includes(x.value));
        got = "no note contains it";
        break;
    }
    const text = `${x.key} ${JSON.stringify(x.value)}`;
    lines.push(`${held ? "ok    " : "FAILED"} ${text} (line ${x.line})`);
    if (!held) failures.push(`${s.file}:${x.line}: expectation ${text} failed: ${got}`);
  }
  return { lines, failures };
}
