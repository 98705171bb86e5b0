import assert from "node:assert/strict";
import { formatSweepRun, sweep, sweepPoint, sweepRuns, sweepSizes } from "../../mod.ts";
import { sweepMain, sweepProfilesParallel } from "../../cli/sweep.ts";
import { runMainAsync } from "./_run_main.ts";

const MiB = 2 ** 20;

const run = (args: string[]) => runMainAsync(sweepMain, args);

Deno.test("sweep prints runs of equal outcome, with the mechanism and the first failing pfn", async () => {
  // published-range turns from ok to P between 4104 and 4105 MiB
  const { code, out } = await run([
    "--kernel",
    "published-range",
    "--from",
    "4100MiB",
    "--to",
    "4108MiB",
    "--step",
    "2MiB",
    "--jobs",
    "2",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(out, ["4100–4104 MiB ok", "4106–4108 MiB P pfn 0x1001f3…0x1003f3"]);
});

Deno.test("sweep --json gives the runs as data, the same as the library's sweep", async () => {
  const { code, out } = await run([
    "--kernel",
    "alloc-hooks",
    "--from",
    "128MiB",
    "--to",
    "131MiB",
    "--json",
    "--jobs",
    "1",
  ]);
  assert.equal(code, 0);
  const runs = JSON.parse(out.join("\n"));
  assert.deepEqual(runs, sweep("alloc-hooks", 128 * MiB, 131 * MiB, MiB));
  assert.equal(runs.length, 1);
  assert.equal(runs[0].mechanism, "V");
  assert.equal(runs[0].count, 4);
});

Deno.test("one pool of workers sweeps several profiles, each profile's points in size order", async () => {
  // more sizes than one batch, so each profile's points come back in several batches
  const sizes = Array.from({ length: 10 }, (_, i) => 128 + i);
  const kernels = ["2.6.39-rc1", "alloc-hooks"];
  const points = await sweepProfilesParallel(kernels, "xen", sizes, 2);
  assert.deepEqual(
    points,
    kernels.map((kernel) => sizes.map((mib) => sweepPoint(kernel, mib, "xen"))),
  );
  assert.deepEqual(points.map((p) => p[0].mechanism), ["A", "V"]);
});

Deno.test("sweep names what is wrong with a range, a step or an option", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--kernel", "2.6.39", "--from", "2GiB", "--to", "1GiB"], /--from 2048 MiB is above --to/],
    [["--kernel", "2.6.39", "--from", "1GiB", "--to", "2GiB", "--step", "4KiB"], /--step 4096/],
    [["--kernel", "2.6.39", "--from", "1000.5MiB", "--to", "2GiB"], /not a whole number of MiB/],
    [["--kernel", "2.6.39", "--from", "1GiB", "--to", "2GiB", "--step", "0"], /Memory size "0"/],
    [["--kernel", "2.6.40", "--from", "1GiB", "--to", "2GiB"], /--kernel "2.6.40" is not/],
    [["--kernel", "2.6.39", "--to", "2GiB"], /--from and --to are required/],
    [["--kernel", "2.6.39", "--from", "1GiB", "--to", "2GiB", "--jobs", "0"], /--jobs "0"/],
    [["--kernel", "2.6.39", "--from", "1GiB", "--to", "2GiB", "--hypervisor", "kvm"], /"kvm"/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, out, err } = await run(args);
      assert.equal(code, 2);
      assert.deepEqual(out, []);
      assert.match(err[0], message);
    });
  }
});

Deno.test("sweepRuns folds equal mechanisms; formatSweepRun prints one size or a range", () => {
  const runs = sweepRuns([
    { mib: 10, mechanism: "ok", pfn: null },
    { mib: 11, mechanism: "ok", pfn: null },
    { mib: 12, mechanism: "R", pfn: 0x3ffff },
    { mib: 13, mechanism: "ok", pfn: null },
  ]);
  assert.deepEqual(runs.map(formatSweepRun), ["10–11 MiB ok", "12 MiB R pfn 0x3ffff", "13 MiB ok"]);
  assert.deepEqual(sweepSizes(128 * MiB, 128 * MiB, MiB), [128]);
});

Deno.test("sweepPoint: the pfn of each mechanism is the page its failure names", () => {
  assert.deepEqual(sweepPoint("2.6.39-rc1", 1024, "xen"), {
    mib: 1024,
    mechanism: "A",
    pfn: 0x1601,
  });
  assert.deepEqual(sweepPoint("alloc-hooks", 1024, "xen"), {
    mib: 1024,
    mechanism: "V",
    pfn: 0x3fdfe,
  });
  assert.deepEqual(sweepPoint("published-range", 4608, "xen"), {
    mib: 4608,
    mechanism: "P",
    pfn: 0x11f7f3,
  });
  assert.deepEqual(sweepPoint("2.6.39-rc-top", 4096, "xen"), {
    mib: 4096,
    mechanism: "R",
    pfn: 0xfffff,
  });
  assert.deepEqual(sweepPoint("2.6.39", 1024, "native"), { mib: 1024, mechanism: "ok", pfn: null });
});
