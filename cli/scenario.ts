/**
 * `deno task scenario FILE`: run a teacher's YAML scenario (scenarios/*.yaml) and check its
 * expectations.
 *
 * Exit codes: 0 every expectation held; 1 an expectation failed (each named with its file and
 * line on stderr); 2 the scenario could not be run (file missing, or a YAML, key, type or value
 * error, named with file, line and column).
 *
 * @module
 */

import { parseScenario, runScenario, ScenarioError } from "../boot/scenario.ts";

const USAGE = `Usage: deno task scenario FILE.yaml

Runs the scenario's machine, stops at each step's event, prints the step's queries, the
outcome, the panic, Xen's console and the notes, then checks the expectations.

Exit codes: 0 all expectations held; 1 an expectation failed; 2 the scenario is malformed
or missing. The format: scenarios/schema.json, and the bundled scenarios/*.yaml.`;

/**
 * Run the `scenario` command.
 *
 * @param args The arguments after `scenario`.
 * @param out Where the report goes (standard output by default).
 * @param err Where errors go (standard error by default).
 * @returns The exit code.
 */
export function scenarioMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  if (args.length !== 1 || args[0] === "--help") {
    (args[0] === "--help" ? out : err)(USAGE);
    return args[0] === "--help" ? 0 : 2;
  }
  const file = args[0];
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    err(`scenario: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  try {
    const report = runScenario(parseScenario(text, file));
    report.lines.forEach((line) => out(line));
    report.failures.forEach((line) => err(line));
    return report.failures.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof ScenarioError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(scenarioMain(Deno.args));
