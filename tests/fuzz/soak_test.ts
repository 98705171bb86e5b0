import assert from "node:assert/strict";
import { CONRING_SIZE, runSoak } from "../../mod.ts";
import { soakMain } from "../../cli/soak.ts";
import { runMain } from "../cli/_run_main.ts";

Deno.test("runSoak keeps every path live and every invariant", async (t) => {
  await t.step("a short soak: pins, validation, stores and ptwr all happen; nothing breaks", () => {
    let clock = 0;
    const r = runSoak({ requests: 3000, seed: 4, now: () => (clock += 500) });
    assert.equal(r.requests, 3000);
    assert.equal(r.violation, null);
    assert.equal(r.changedByRefusal, null);
    assert.equal(r.domains, Math.ceil(3000 / 64));
    for (const kind of ["pin", "unpin", "mmu", "flip", "uvm", "store", "baseptr"]) {
      assert.ok((r.kinds[kind] ?? 0) > 50, `${kind}: ${r.kinds[kind]}`);
    }
    assert.ok(r.paths.done > 500 && r.paths.refused > 500);
    assert.ok(r.paths.store > 20 && r.paths.emulated > 5, JSON.stringify(r.paths));
    assert.equal(r.invariantChecks, r.domains + 2); // one per domain, plus one per 1,000
    assert.ok(r.digestChecks > 50);
    assert.ok(r.consoleMaxBytes <= CONRING_SIZE);
    assert.equal(r.elapsedMs, 500);
    assert.equal(r.requestsPerSecond, 6000); // 3000 requests in 0.5 s
  });
  await t.step("the same seed gives the same figures", () => {
    const a = runSoak({ requests: 500, seed: 9, now: () => 0 });
    const b = runSoak({ requests: 500, seed: 9, now: () => 0 });
    assert.deepEqual(a, b);
  });
  await t.step("a bounded console: one long-lived domain drops lines and counts them", () => {
    const r = runSoak({ requests: 2000, seed: 5, domainRequests: 2000 });
    assert.ok(r.consoleDropped > 0, `${r.consoleLines} lines`);
    assert.ok(r.consoleMaxBytes <= CONRING_SIZE);
  });
  await t.step("bad options are named", () => {
    assert.throws(() => runSoak({ requests: 0, seed: 1 }), /Soak option requests 0/);
    assert.throws(
      () => runSoak({ requests: 10, seed: 1, domainRequests: 1.5 }),
      /Soak option domainRequests 1.5/,
    );
    assert.throws(() => runSoak({ requests: 10, seed: 2 ** 40 }), /Seed 1099511627776/);
  });
});

Deno.test("deno task soak prints its figures, or JSON", () => {
  const out: string[] = [];
  assert.equal(soakMain(["--requests", "1000", "--seed", "3"], (l) => out.push(l)), 0);
  assert.match(out[0], /^1000 requests on 16 domains in [\d.]+ s \(\d+ requests\/s\)$/);
  assert.match(out[2], /stores emulated \(ptwr\)$/);
  assert.equal(out.at(-1), "every invariant held");
  const json: string[] = [];
  assert.equal(soakMain(["--requests", "300", "--json"], (l) => json.push(l)), 0);
  assert.equal(JSON.parse(json.join("\n")).requests, 300);
  const bad = runMain(soakMain, ["--requests", "many"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.err[0], 'soak: --requests "many" is not a whole number');
});
