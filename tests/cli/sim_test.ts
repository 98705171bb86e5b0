import assert from "node:assert/strict";
import { mock } from "node:test";
import { parseMemorySize } from "../../mod.ts";
import { simMain } from "../../cli/sim.ts";

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err = mock.method(console, "error", () => {});
  try {
    const code = simMain(args, (line) => out.push(line));
    return { code, out, err: err.mock.calls.map((c) => String(c.arguments[0])) };
  } finally {
    err.mock.restore();
  }
}

Deno.test("sim --json prints DESIGN's fields", () => {
  const { code, out } = run(["--kernel", "2.6.39", "--memory", "1GiB", "--json"]);
  assert.equal(code, 0);
  const r = JSON.parse(out.join("\n"));
  assert.deepEqual(Object.keys(r), [
    "kernel",
    "memory",
    "hypervisor",
    "outcome",
    "panic",
    "xen_log",
    "xen_log_dropped",
    "pgt_buf",
    "stats",
    "notes",
  ]);
  assert.equal(r.outcome, "ok");
  assert.equal(r.memory, 2 ** 30);
  assert.equal(r.hypervisor, "xen");
  assert.equal(r.xen_log_dropped, 0); // a good boot prints nothing to Xen's console
  assert.equal(r.pgt_buf[0].top - r.pgt_buf[0].start, 514);
  assert.equal(r.stats.table_pages, 497);
});

Deno.test("sim --trace prints the chosen events as they happen", () => {
  const { code, out } = run([
    "--kernel",
    "2.6.38",
    "--memory",
    "256MiB",
    "--hypervisor",
    "native",
    "--trace",
    "init_memory_mapping,reserve",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(out.slice(0, 2), [
    "init_memory_mapping 0x0-0x10800000",
    "reserve pfn 0x2f79-0x2fe5",
  ]);
  assert.match(out[2], /^2.6.38 on native, 256MiB: ok$/);
});

Deno.test("sim refuses bad command lines with exit code 2", async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [["--kernel", "2.6.39"], /--memory is required/],
    [["--memory", "1GiB"], /--kernel is required/],
    [["--kernel", "2.6.40", "--memory", "1GiB"], /Unknown kernel profile "2.6.40"/],
    [["--kernel", "4.0", "--memory", "1GiB"], /Unknown kernel profile "4.0"/],
    [["--kernel", "2.6.39", "--memory", "1.5KiB"], /"1.5KiB" is not a whole number of 4 KiB pages/],
    [["--kernel", "2.6.39", "--memory", "1GiB", "--hypervisor", "kvm"], /"kvm" is not one of/],
    [["--kernel", "2.6.39", "--memory", "1GiB", "--trace", "tlb"], /"tlb" is not an event kind/],
    [["--kernel", "2.6.39", "--memory", "1GiB", "--fast"], /Unknown option '--fast'/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), () => {
      const { code, err } = run(args);
      assert.equal(code, 2);
      assert.match(err[0], message);
    });
  }
});

Deno.test("parseMemorySize() reads the sizes people write", () => {
  assert.equal(parseMemorySize("768MiB"), 768 * 2 ** 20);
  assert.equal(parseMemorySize("1TiB"), 2 ** 40);
  assert.equal(parseMemorySize("4096"), 4096);
  assert.throws(() => parseMemorySize("-1GiB"), /is not a number of bytes/);
});
