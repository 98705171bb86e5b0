// Chapter 13's sweep as benchmarks, each also the full check of what the chapter states: every
// profile at every whole MiB from 128 MiB to 8 GiB on Xen (SWEEP_FINDINGS, the sets of chapter 13), and the rule
// beyond 8 GiB on a window around every GiB boundary up to 64 GiB. They run `deno task sweep`'s
// workers (two: the machine has two cores; the first runs all seven profiles on one pool). Run
// with `deno task bench tests/bench/sweep_bench.ts` (minutes; pass --filter to run one). The first
// prints its wall and CPU time when its check has passed; in December 2026 Deno went on to run it
// a second time after that, which can be stopped.
import assert from "node:assert/strict";
import process from "node:process";
import { sweepParallel, sweepProfilesParallel } from "../../cli/sweep.ts";
import {
  formatSweepRun,
  OUTCOME_PROFILES,
  SWEEP_FINDINGS,
  sweepRuns,
  sweepSizes,
} from "../../mod.ts";

const MiB = 2 ** 20, GiB = 2 ** 30;
const JOBS = 2;

/** CPU seconds of this process and its workers so far (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

Deno.bench("sweep: seven profiles, 128 MiB to 8 GiB at 1 MiB, Xen, 2 workers", {
  n: 1,
  warmup: 0,
}, async () => {
  const sizes = sweepSizes(128 * MiB, 8 * GiB, MiB);
  const cpu = cpuSeconds();
  const start = performance.now();
  const points = await sweepProfilesParallel(OUTCOME_PROFILES, "xen", sizes, JOBS);
  const wall = (performance.now() - start) / 1000;
  OUTCOME_PROFILES.forEach((kernel, k) => {
    assert.deepEqual(sweepRuns(points[k]).map(formatSweepRun), SWEEP_FINDINGS[kernel], kernel);
  });
  console.log(
    `seven profiles, ${7 * sizes.length} boots: ${wall.toFixed(0)} s, ${
      (cpuSeconds() - cpu).toFixed(0)
    } s of CPU`,
  );
});

/** 1 MiB steps from N GiB - 4 MiB to N GiB + 20 MiB, for every N from 9 to 64. */
const WINDOWS: number[] = [];
for (let n = 9; n <= 64; n++) {
  for (let mib = n * 1024 - 4; mib <= n * 1024 + 20; mib++) WINDOWS.push(mib);
}

Deno.bench("beyond 8 GiB: published-range around every GiB boundary to 64 GiB", {
  n: 1,
  warmup: 0,
}, async () => {
  // the rule of chapter 13: P, except at N GiB + 7 and + 8 MiB, and there ok
  for (const p of await sweepParallel("published-range", "xen", WINDOWS, JOBS)) {
    const ok = p.mib % 1024 === 7 || p.mib % 1024 === 8;
    assert.equal(p.mechanism, ok ? "ok" : "P", `${p.mib} MiB`);
  }
});

Deno.bench("beyond 8 GiB: 2.6.39-rc-top around every GiB boundary to 64 GiB", {
  n: 1,
  warmup: 0,
}, async () => {
  // R at the last page of RAM, at every size
  for (const p of await sweepParallel("2.6.39-rc-top", "xen", WINDOWS, JOBS)) {
    assert.deepEqual([p.mechanism, p.pfn], ["R", p.mib * 256 - 1], `${p.mib} MiB`);
  }
});
