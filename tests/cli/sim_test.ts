import assert from "node:assert/strict";
import { parseMemorySize } from "../../mod.ts";
import { simMain } from "../../cli/sim.ts";
import { runMain } from "./_run_main.ts";

const run = (args: string[]) => runMain(simMain, args);

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

Deno.test("sim --rule switches a rule; --help lists the switches and the profiles", () => {
  const broken = run(["--kernel", "2.6.39", "--memory", "1GiB", "--rule", "maskRwFixmap=false"]);
  assert.equal(broken.code, 0);
  assert.equal(broken.out[0], "2.6.39 on xen, 1GiB: oops");
  const help = run(["--help"]).out.join("\n");
  assert.match(help, /maskRwDirect=none\|end\|top/);
  assert.match(help, /reserve=memblock\|pagetable_reserve/);
  assert.match(help, /^ {2}2\.6\.39 {11}release: Linux 2\.6\.39: /m);
  assert.match(help, /^ {2}2\.6\.39-rc-top {4}intermediate: /m);
  assert.match(help, /^ {2}alloc-hooks {6}reconstruction: /m);
  assert.match(help, /^ {2}alloc-hooks {6}reconstruction/m);
  assert.match(help, /^Exit codes: 0 the boot ran, whatever its outcome/m);
});

Deno.test("sim --stop-at answers the queries at the stop", () => {
  const { code, out } = run([
    "--kernel",
    "alloc-hooks",
    "--memory",
    "1GiB",
    "--stop-at",
    "pv_alloc:0x3fdfe",
    "--lookup",
    "0xffff88003fdfe000",
    "--type-info",
    "0x3fdfe",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(out.slice(0, 3), [
    "--- stopped at pv_alloc alloc_pte pfn 0x3fdfe",
    "type_info(pfn 0x3fdfe): 7400000000000000 (PGT_writable_page, type count 0, validated)",
    "lookup_address(0xffff88003fdfe000): NULL, level PG_LEVEL_1G",
  ]);
});

Deno.test("sim --json --trace: the events go into an events array, stdout is one document", () => {
  const { code, out } = run([
    "--kernel",
    "published-range",
    "--memory",
    "6GiB",
    "--json",
    "--trace",
    "hypercall",
    "--stop-at",
    "pv_alloc:0x17f7f2",
    "--who-maps",
    "0x17f7f2",
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(out.join("\n"));
  const refused = r.events.filter((e: { rc: number }) => e.rc !== 0);
  assert.deepEqual(refused, [{
    kind: "hypercall",
    call: "mmuext_op",
    rc: -22,
    args: { cmd: 0, mfn: 0x27f7f2 },
    text: "hypercall mmuext_op MMUEXT_PIN_L1_TABLE mfn 0x27f7f2 rc -22",
  }]);
  assert.equal(r.stop.event.text, "pv_alloc alloc_pte pfn 0x17f7f2");
  assert.match(r.stop.queries[0], /^who_maps\(pfn 0x17f7f2\): RW entry 498 of table pfn 0x17f7f1/);
  assert.ok(
    r.events.some((e: { text: string }) =>
      /^hypercall mmu_update ptr 0x[0-9a-f]+ val [0-9a-f]{16} rc 0$/.test(e.text)
    ),
  );
});

Deno.test("sim refuses bad what-if switches with exit code 2", () => {
  const base = ["--kernel", "2.6.39", "--memory", "1GiB"];
  const cases: Array<[string[], RegExp]> = [
    [
      ["--rule", "maskRw=end"],
      /--rule "maskRw=end" is not NAME=VALUE with NAME one of maskRwDirect/,
    ],
    [["--rule", "maskRwFixmap=maybe"], /--rule maskRwFixmap="maybe" is not one of: true, false/],
    [["--stop-at", "tlb"], /Event "tlb" is not EVENT or EVENT:pfn/],
    [["--stop-at", "pv_alloc:0x40000"], /Pfn 0x40000 is outside the machine's 0x40000 pages/],
    [["--who-maps", "zz"], /Pfn "zz" is not a page number/],
    [["--lookup", "0x0000880000000000"], /not canonical/],
  ];
  for (const [args, message] of cases) {
    const { code, err } = run([...base, ...args]);
    assert.equal(code, 2, args.join(" "));
    assert.match(err[0], message);
  }
});
