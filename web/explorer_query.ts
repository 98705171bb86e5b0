/**
 * The explorer's state as a URL query: which machine to boot, read and checked like the command
 * line checks it (`sim`: the profile list, `parseMemorySize`, the hypervisors, the rule values),
 * so that a link from anyone either names a machine or gets a clear error.
 *
 * @module
 */

import type { BootOptions } from "../boot/boot.ts";
import { parseMemorySize } from "../boot/parse_memory_size.ts";
import { PROFILES } from "../boot/profiles.ts";

/** The rule switches the explorer offers, with the values each takes in a URL. */
export const RULE_SWITCHES: Readonly<Record<string, readonly string[]>> = {
  maskRwDirect: ["none", "end", "top"],
  maskRwFixmap: ["on", "off"],
  reserve: ["memblock", "pagetable_reserve"],
};

/** A machine read from a query: the boot options, and the query's text of each field. */
export interface ExplorerQuery {
  /** What to boot. */
  options: BootOptions;
  /** The memory as written (e.g. `1GiB`). */
  memoryText: string;
  /** Whether to boot to the end on load (`run=1`). */
  run: boolean;
}

/** The machine the explorer shows when the URL names none. */
export const DEFAULT_QUERY: Readonly<{ kernel: string; memory: string; hypervisor: string }> = {
  kernel: "2.6.39",
  memory: "1GiB",
  hypervisor: "xen",
};

/**
 * Reads and checks a query string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const q = parseExplorerQuery("?kernel=2.6.38&memory=6GiB&maskRwDirect=top&run=1");
 * assert.deepEqual(q.options, {
 *   kernel: "2.6.38", memory: 6 * 2 ** 30, hypervisor: "xen", rules: { maskRwDirect: "top" },
 * });
 * assert.throws(() => parseExplorerQuery("?kernel=<b>x</b>"), /Kernel "<b>x<\/b>" is not a profile/);
 * ```
 *
 * @param search The query (`location.search`), with or without its `?`.
 * @returns The machine.
 * @throws {RangeError} Naming the parameter, its value and the rule, for any bad value.
 */
export function parseExplorerQuery(search: string): ExplorerQuery {
  const params = new URLSearchParams(search);
  const known = new Set(["kernel", "memory", "hypervisor", "run", ...Object.keys(RULE_SWITCHES)]);
  for (const name of params.keys()) {
    if (!known.has(name)) {
      throw new RangeError(
        `Parameter "${name}" is not one the explorer reads: ${[...known].join(", ")}`,
      );
    }
  }
  const kernel = params.get("kernel") ?? DEFAULT_QUERY.kernel;
  if (!Object.hasOwn(PROFILES, kernel)) {
    throw new RangeError(
      `Kernel "${kernel}" is not a profile: ${Object.keys(PROFILES).join(", ")}`,
    );
  }
  const memoryText = params.get("memory") ?? DEFAULT_QUERY.memory;
  const memory = parseMemorySize(memoryText);
  const hypervisor = params.get("hypervisor") ?? DEFAULT_QUERY.hypervisor;
  if (hypervisor !== "xen" && hypervisor !== "native") {
    throw new RangeError(`Hypervisor "${hypervisor}" is not one of: xen, native`);
  }
  const rules: {
    maskRwDirect?: "none" | "end" | "top";
    maskRwFixmap?: boolean;
    reserve?: "memblock" | "pagetable_reserve";
  } = {};
  for (const [name, values] of Object.entries(RULE_SWITCHES)) {
    const value = params.get(name);
    if (value === null || value === "") continue;
    if (!values.includes(value)) {
      throw new RangeError(`Rule ${name} "${value}" is not one of: ${values.join(", ")}`);
    }
    if (name === "maskRwFixmap") rules.maskRwFixmap = value === "on";
    else if (name === "maskRwDirect") rules.maskRwDirect = value as "none" | "end" | "top";
    else rules.reserve = value as "memblock" | "pagetable_reserve";
  }
  const run = params.get("run");
  if (run !== null && run !== "0" && run !== "1") {
    throw new RangeError(`Parameter run "${run}" is not 0 or 1`);
  }
  const options: BootOptions = { kernel, memory, hypervisor };
  if (Object.keys(rules).length > 0) options.rules = rules;
  return { options, memoryText, run: run === "1" };
}

/**
 * Writes a machine back as a query, the inverse of {@linkcode parseExplorerQuery}.
 *
 * @param query The machine.
 * @returns The query string, starting with `?`.
 */
export function formatExplorerQuery(query: ExplorerQuery): string {
  const params = new URLSearchParams();
  params.set("kernel", query.options.kernel);
  params.set("memory", query.memoryText);
  params.set("hypervisor", query.options.hypervisor ?? "xen");
  const rules = query.options.rules ?? {};
  if (rules.maskRwDirect !== undefined) params.set("maskRwDirect", rules.maskRwDirect);
  if (rules.maskRwFixmap !== undefined) {
    params.set("maskRwFixmap", rules.maskRwFixmap ? "on" : "off");
  }
  if (rules.reserve !== undefined) params.set("reserve", rules.reserve);
  if (query.run) params.set("run", "1");
  return `?${params}`;
}
