/**
 * What the commands share: parsing the command line into a clear usage error, and turning those
 * errors (and the library's `RangeError`s for bad values) into a message and exit code 2 instead
 * of a stack trace.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command-line mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

/**
 * Run a command's body; a {@linkcode UsageError} or a `RangeError` becomes two lines on standard
 * error (`NAME: message` and where to find the options) and exit code 2.
 *
 * @param name The task's name, e.g. `fuzz`.
 * @param body The command, returning its exit code.
 * @returns The exit code.
 */
export function runCommand(name: string, body: () => number): number {
  try {
    return body();
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      console.error(`${name}: ${error.message}`);
      console.error(`Run \`deno task ${name} --help\` for the options.`);
      return 2;
    }
    throw error;
  }
}

/**
 * `parseArgs` in strict mode without positionals, its errors turned into {@linkcode UsageError}s.
 *
 * @param args The arguments.
 * @param options The options, as `parseArgs` takes them.
 * @returns The values.
 * @throws {UsageError} For an unknown option or a missing value.
 */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>["values"] {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Read a whole number given on the command line.
 *
 * @param name The option, without its dashes.
 * @param text What was given.
 * @returns The number.
 * @throws {UsageError} When the text is not a whole number.
 */
export function wholeNumber(name: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} "${text}" is not a whole number`);
  return Number(text);
}

/**
 * The memory this machine has free, for refusing a simulation that would not fit
 * (`BootOptions.memoryLimit`).
 *
 * @returns Bytes, or undefined without `--allow-sys=systemMemoryInfo` (then nothing is checked).
 */
export function availableMemory(): number | undefined {
  try {
    return Deno.systemMemoryInfo().available;
  } catch {
    return undefined;
  }
}
