import assert from "node:assert/strict";
import {
  applyGuestRequest,
  checkInvariants,
  formatGuestRequest,
  fuzzCampaign,
  fuzzDomain,
  fuzzXsa,
} from "../../mod.ts";
import { fuzzMain } from "../../cli/fuzz.ts";
import { runMain } from "../cli/_run_main.ts";

Deno.test("fuzzXsa finds each hole in the vulnerable Xen and nothing in the fixed one", async (t) => {
  await t.step("XSA-182: a read-only linear entry, then the same entry with RW", () => {
    const r = fuzzXsa({ xsa: 182, mode: "vulnerable", seed: 3 });
    assert.equal(r.found, true);
    assert.equal(r.requests, 4208);
    assert.deepEqual(r.sequence.map((q) => q.kind), ["mmu", "flip"]);
    assert.equal(r.violation?.rule, "linear entries are read-only");
  });
  await t.step("XSA-148: PSE set on a live L2 entry", () => {
    const r = fuzzXsa({ xsa: 148, mode: "vulnerable", seed: 3 });
    assert.equal(r.found, true);
    assert.equal(r.sequence.length, 1);
    assert.equal(
      formatGuestRequest(r.sequence[0]),
      "mmu_update: entry 0 of pfn 2, same frame, set RW+PSE",
    );
  });
  await t.step("the same seed finds the same sequence", () => {
    const a = fuzzXsa({ xsa: 148, mode: "vulnerable", seed: 9 });
    const b = fuzzXsa({ xsa: 148, mode: "vulnerable", seed: 9 });
    assert.deepEqual(a, b);
  });
  await t.step("fixed: every request of the budget keeps the invariants", () => {
    for (const xsa of [182, 148] as const) {
      const r = fuzzXsa({ xsa, mode: "fixed", seed: 3, requests: 1500 });
      assert.equal(r.found, false);
      assert.ok(r.requests >= 1500 && r.requests < 1600, `${r.requests}`);
      assert.deepEqual(r.sequence, []);
    }
  });
  await t.step("the shrunk sequence replays to the violation", () => {
    const r = fuzzXsa({ xsa: 182, mode: "vulnerable", seed: 3 });
    const { xen, noLinear } = fuzzCampaign(182, "vulnerable");
    for (const q of r.sequence) applyGuestRequest(xen, q, { noLinear });
    assert.deepEqual(checkInvariants(xen), r.violation);
  });
  await t.step("bad options are named", () => {
    assert.throws(() => fuzzXsa({ xsa: 149 as 148, mode: "fixed", seed: 1 }), /XSA 149 is not/);
    assert.throws(
      () => fuzzXsa({ xsa: 148, mode: "bogus" as "fixed", seed: 1 }),
      /Fuzz mode bogus is not a mode/,
    );
    assert.throws(() => fuzzXsa({ xsa: 148, mode: "fixed", seed: 1.5 }), /Seed 1.5/);
    assert.throws(
      () => fuzzXsa({ xsa: 148, mode: "fixed", seed: 1, requests: 0 }),
      /Request budget 0/,
    );
  });
});

Deno.test("applyGuestRequest names a request that is not one", () => {
  const xen = fuzzDomain();
  assert.throws(
    () => applyGuestRequest(xen, null as unknown as { kind: "flush" }),
    /Guest request null is not a request object/,
  );
  assert.throws(
    () => applyGuestRequest(xen, { kind: "reboot" } as unknown as { kind: "flush" }),
    /Guest request kind "reboot" is not one of/,
  );
});

const run = (args: string[]) => runMain(fuzzMain, args);

Deno.test("deno task fuzz prints the shrunk sequence, or JSON", async (t) => {
  await t.step("text", () => {
    const { code, out } = run(["--xsa", "182", "--mode", "vulnerable", "--seed", "3"]);
    assert.equal(code, 0);
    assert.deepEqual(out, [
      "XSA-182, vulnerable Xen, seed 3: invariant broken after 4208 requests; shrunk to 2:",
      "  1. mmu_update: entry 1 of pfn 0 = pfn 0 | flags 0x1",
      "  2. mmu_update: entry 1 of pfn 0, same frame, set RW",
      'Invariant "linear entries are read-only" is broken at mfn 100000 entry 1: ' +
      "L4 entry 0000000100000003 maps its table RW",
    ]);
  });
  await t.step("--json: found, requests, sequence", () => {
    const { code, out } = run(
      ["--xsa", "148", "--mode", "fixed", "--seed", "2", "--requests", "300", "--json"],
    );
    assert.equal(code, 0);
    const r = JSON.parse(out.join("\n"));
    assert.deepEqual(Object.keys(r), [
      "xsa",
      "mode",
      "seed",
      "found",
      "requests",
      "sequence",
      "violation",
    ]);
    assert.equal(r.found, false);
    assert.deepEqual(r.sequence, []);
  });
  await t.step("a bad command line: exit 2 and a message naming it", () => {
    for (
      const [args, message] of [
        [["--mode", "fixed", "--seed", "1"], "fuzz: --xsa is required (182 or 148)"],
        [["--xsa", "148", "--mode", "patched", "--seed", "1"], 'fuzz: --mode "patched" is not'],
        [["--xsa", "148", "--mode", "fixed", "--seed", "x"], 'fuzz: --seed "x" is not a whole'],
        [["--xsa", "148", "--mode", "fixed"], "fuzz: --seed is required"],
        [["--xsa", "148", "--mode", "fixed", "--seed", "1", "--requests", "0"], "fuzz: Request"],
        [["--bogus"], "fuzz: Unknown option '--bogus'"],
      ] as const
    ) {
      const { code, err } = run([...args]);
      assert.equal(code, 2, args.join(" "));
      assert.ok(err[0].startsWith(message), `${err[0]} for ${args.join(" ")}`);
    }
  });
});
