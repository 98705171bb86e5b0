/**
 * `deno task sweep`: boot every size of a range and print the runs of equal outcome.
 *
 * ```sh
 * deno task sweep --kernel published-range --from 4000MiB --to 4200MiB [--step 1MiB]
 *   [--hypervisor xen|native] [--jobs N] [--json]
 * ```
 *
 * @module
 */

import { parseCommandLine, UsageError } from "./command.ts";
import { PROFILES } from "../boot/profiles.ts";
import { parseMemorySize } from "../boot/parse_memory_size.ts";
import { formatSweepRun, type SweepPoint, sweepRuns, sweepSizes } from "../boot/sweep.ts";
import type { SweepReply, SweepTask } from "./sweep_worker.ts";

const USAGE = `Usage: deno task sweep --kernel ID --from SIZE --to SIZE [options]

  --kernel ID          2.6.38, 2.6.39, 2.6.39-rc1, published-range, 2.6.39-rc-top, alloc-hooks,
                       3.9
  --from SIZE          the first size: 128MiB, 4GiB, ... (whole MiB)
  --to SIZE            the last size (whole MiB)
  --step SIZE          the step (whole MiB; default 1MiB)
  --hypervisor H       xen (default) or native
  --jobs N             how many workers boot at once (default: the machine's cores)
  --json               print the runs as one JSON array
  --help               this text

Prints one line per run of sizes with the same outcome: ok, or the mechanism's letter (A: an RW
fixmap alias refused, P: a pin refused for a writable mapping, V: a pin refused for an entry
mapping a table writable, R: a write to a page left read-only) and the first pfn the failure
names, at the run's first size (and its last, when that differs).`;

/** Sizes per message to a worker: small enough to balance, large enough to keep workers busy. */
const BATCH = 8;

/** The parsed command line. */
interface SweepArgs {
  kernel: string;
  hypervisor: "xen" | "native";
  sizes: number[];
  jobs: number;
  json: boolean;
}

function parse(args: readonly string[]): SweepArgs | "help" {
  const v = parseCommandLine(args, {
    kernel: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    step: { type: "string", default: "1MiB" },
    hypervisor: { type: "string", default: "xen" },
    jobs: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  });
  if (v.help) return "help";
  if (v.kernel === undefined) {
    throw new UsageError(`--kernel is required (${Object.keys(PROFILES).join(", ")})`);
  }
  if (!Object.hasOwn(PROFILES, v.kernel)) {
    throw new UsageError(
      `--kernel "${v.kernel}" is not a profile: ${Object.keys(PROFILES).join(", ")}`,
    );
  }
  if (v.from === undefined || v.to === undefined) {
    throw new UsageError("--from and --to are required (e.g. --from 4000MiB --to 4200MiB)");
  }
  const hypervisor = v.hypervisor;
  if (hypervisor !== "xen" && hypervisor !== "native") {
    throw new UsageError(`--hypervisor "${hypervisor}" is not one of: xen, native`);
  }
  let jobs = navigator.hardwareConcurrency;
  if (v.jobs !== undefined) {
    jobs = Number(v.jobs);
    if (!/^\d+$/.test(v.jobs) || jobs < 1 || jobs > 256) {
      throw new UsageError(`--jobs "${v.jobs}" is not a whole number from 1 to 256`);
    }
  }
  const sizes = sweepSizes(parseMemorySize(v.from), parseMemorySize(v.to), parseMemorySize(v.step));
  return { kernel: v.kernel, hypervisor, sizes, jobs, json: v.json };
}

/**
 * Boot every size on `jobs` workers, batches handed to whichever worker is free.
 *
 * @param onProgress Called with the number of sizes done after each batch.
 * @returns The points, in size order.
 */
export async function sweepParallel(
  kernel: string,
  hypervisor: "xen" | "native",
  sizes: readonly number[],
  jobs: number,
  onProgress: (done: number) => void = () => {},
): Promise<SweepPoint[]> {
  const [points] = await sweepProfilesParallel([kernel], hypervisor, sizes, jobs, onProgress);
  return points;
}

/**
 * Boot every size of several profiles on one pool of `jobs` workers: the workers stay warm from
 * one profile to the next and no worker waits at a profile's end while another finishes.
 *
 * @param onProgress Called with the number of boots done after each batch.
 * @returns The points of each profile, in the order of `kernels`, each in size order.
 */
export async function sweepProfilesParallel(
  kernels: readonly string[],
  hypervisor: "xen" | "native",
  sizes: readonly number[],
  jobs: number,
  onProgress: (done: number) => void = () => {},
): Promise<SweepPoint[][]> {
  const batches: SweepTask[] = [];
  for (const kernel of kernels) {
    for (let i = 0; i < sizes.length; i += BATCH) {
      batches.push({ batch: batches.length, kernel, hypervisor, sizes: sizes.slice(i, i + BATCH) });
    }
  }
  const results: SweepPoint[][] = new Array(batches.length);
  let next = 0;
  let done = 0;
  const workers = Array.from(
    { length: Math.min(jobs, batches.length) },
    () => new Worker(new URL("./sweep_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    await Promise.all(workers.map((w) =>
      new Promise<void>((resolve, reject) => {
        const send = () => {
          if (next >= batches.length) return resolve();
          w.postMessage(batches[next++]);
        };
        w.onmessage = (e: MessageEvent<SweepReply>) => {
          results[e.data.batch] = [...e.data.points];
          done += e.data.points.length;
          onProgress(done);
          send();
        };
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`a sweep worker failed: ${e.message}`));
        };
        send();
      })
    ));
  } finally {
    for (const w of workers) w.terminate();
  }
  const perKernel = Math.ceil(sizes.length / BATCH);
  return kernels.map((_, k) => results.slice(k * perKernel, (k + 1) * perKernel).flat());
}

/** A progress bar on stderr: `[#####.....] 512/1024 sizes`. */
function progressBar(total: number): { update: (done: number) => void; clear: () => void } {
  const enc = new TextEncoder();
  return {
    update(done: number) {
      const width = 30;
      const filled = Math.round((width * done) / total);
      const bar = "#".repeat(filled) + ".".repeat(width - filled);
      Deno.stderr.writeSync(enc.encode(`\r[${bar}] ${done}/${total} sizes`));
    },
    clear() {
      Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    },
  };
}

/**
 * Run the `sweep` command.
 *
 * @param args The arguments after `sweep`.
 * @param out Where the runs go (standard output by default).
 * @returns The exit code: 0 when the sweep ran, 2 for a bad command line.
 */
export async function sweepMain(
  args: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  let a: SweepArgs | "help";
  try {
    a = parse(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      console.error(`sweep: ${error.message}`);
      console.error("Run `deno task sweep --help` for the options.");
      return 2;
    }
    throw error;
  }
  if (a === "help") {
    out(USAGE);
    return 0;
  }
  const bar = Deno.stderr.isTerminal() ? progressBar(a.sizes.length) : null;
  const points = await sweepParallel(a.kernel, a.hypervisor, a.sizes, a.jobs, bar?.update);
  bar?.clear();
  const runs = sweepRuns(points);
  if (a.json) {
    out(JSON.stringify(runs, null, 2));
    return 0;
  }
  for (const run of runs) out(formatSweepRun(run));
  return 0;
}

if (import.meta.main) Deno.exit(await sweepMain(Deno.args));
