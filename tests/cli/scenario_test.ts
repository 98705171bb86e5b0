import assert from "node:assert/strict";
import { parseScenario, PROFILES, RULE_SWITCHES, runScenario } from "../../mod.ts";
import { scenarioMain } from "../../cli/scenario.ts";

const DIR = new URL("../../scenarios/", import.meta.url);

function run(file: string): { code: number; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  const code = scenarioMain([file], (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const bundled = [...Deno.readDirSync(DIR)]
  .filter((e) => e.name.endsWith(".yaml"))
  .map((e) => e.name)
  .sort();

Deno.test("every bundled scenario runs, its expectations hold, and it names the schema", async (t) => {
  for (const name of bundled) {
    await t.step(name, () => {
      const path = new URL(name, DIR).pathname;
      assert.match(
        Deno.readTextFileSync(path),
        /^# yaml-language-server: \$schema=\.\/schema\.json\n/,
      );
      const { code, err } = run(path);
      assert.deepEqual(err, []);
      assert.equal(code, 0);
    });
  }
  // one scenario per profile's story
  const kernels = bundled.map((name) =>
    parseScenario(Deno.readTextFileSync(new URL(name, DIR)), name).options.kernel
  );
  assert.deepEqual(new Set(kernels), new Set(Object.keys(PROFILES)));
});

Deno.test("a report shows the stop, the queries' answers and the outcome", () => {
  const { code, out } = run(new URL("published-range-6gib.yaml", DIR).pathname);
  assert.equal(code, 0);
  const text = out.join("\n");
  assert.match(
    text,
    /step 3 \(line 11\), until pv_alloc:0x17f7f2: stopped at pv_alloc alloc_pte pfn 0x17f7f2/,
  );
  assert.match(text, /lookup_address\(0xffff88017f7f2000\): NULL, level PG_LEVEL_NONE/);
  assert.match(
    text,
    /who_maps\(pfn 0x17f7f2\): RW entry 498 of table pfn 0x17f7f1 \(PGT_l1_page_table, validated, pinned\)/,
  );
  assert.match(text, /^outcome: bug$/m);
  assert.match(text, /^ok {5}outcome "bug" \(line 19\)$/m);
});

Deno.test("a failed expectation exits 1 and names its file and line", () => {
  const file = Deno.makeTempFileSync({ suffix: ".yaml" });
  try {
    Deno.writeTextFileSync(
      file,
      [
        "machine:",
        "  kernel: published-range",
        "  memory: 1GiB",
        "expect:",
        "  outcome: bug",
        "  xen_log_contains:",
        "    - nothing like this",
      ].join("\n"),
    );
    const { code, out, err } = run(file);
    assert.equal(code, 1);
    assert.deepEqual(err, [
      `${file}:5: expectation outcome "bug" failed: the outcome is ok`,
      `${file}:7: expectation xen_log_contains "nothing like this" failed: no Xen console line contains it`,
    ]);
    assert.ok(out.includes(`FAILED outcome "bug" (line 5)`));
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("bad scenarios: each error names file:line:column and the rule", async (t) => {
  const m = "machine:\n  kernel: 2.6.39\n  memory: 1GiB\n";
  const cases: Array<[string, string, RegExp]> = [
    ["syntax", "machine: [kernel: 2.6.39\n", /^f\.yaml:2:1: YAML syntax: .*\(/],
    [
      "duplicate key",
      m + "machine:\n  kernel: 3.9\n",
      /^f\.yaml:4:1: YAML syntax: Map keys must be unique/,
    ],
    [
      "not a mapping",
      "- machine\n",
      /^f\.yaml:1:1: A scenario is a mapping with the keys machine, rules/,
    ],
    [
      "unknown top key",
      m + "expected:\n  outcome: ok\n",
      /^f\.yaml:4:1: Unknown key "expected" in the top level: the keys are machine, rules, steps, expect/,
    ],
    ["no machine", "expect:\n  outcome: ok\n", /^f\.yaml:1:1: The key machine is required/],
    ["unknown machine key", m + "  cpus: 2\n", /^f\.yaml:4:3: Unknown key "cpus" in machine/],
    ["machine wrong type", "machine: 2.6.39\n", /^f\.yaml:1:10: machine must be a mapping/],
    [
      "unknown profile 3.10",
      "machine:\n  kernel: 3.10\n  memory: 1GiB\n",
      /^f\.yaml:2:11: Unknown kernel profile "3\.10": the model runs/,
    ],
    [
      "profile as a list",
      "machine:\n  kernel: [2.6.39]\n  memory: 1GiB\n",
      /^f\.yaml:2:11: machine\.kernel must be a single value \(a profile id\), not a list/,
    ],
    [
      "bad size",
      "machine:\n  kernel: 2.6.39\n  memory: 1.5KiB\n",
      /^f\.yaml:3:11: .*"1\.5KiB" is not a whole number of 4 KiB pages/,
    ],
    ["no memory", "machine:\n  kernel: 2.6.39\n", /^f\.yaml:2:3: machine\.memory is required/],
    [
      "bad hypervisor",
      m + "  hypervisor: kvm\n",
      /^f\.yaml:4:15: machine\.hypervisor "kvm" is not one of: xen, native/,
    ],
    [
      "bad count",
      m + "  early_allocations: many\n",
      /^f\.yaml:4:22: machine\.early_allocations "many" is not a whole number/,
    ],
    [
      "unknown rule",
      m + "rules:\n  maskRw: end\n",
      /^f\.yaml:5:3: Unknown key "maskRw" in rules: the keys are maskRwDirect, maskRwFixmap, reserve/,
    ],
    [
      "bad rule value",
      m + "rules:\n  maskRwFixmap: yes\n",
      /^f\.yaml:5:17: rules\.maskRwFixmap "yes" is not one of: true, false/,
    ],
    ["steps not a list", m + "steps:\n  until: reserve\n", /^f\.yaml:5:3: steps must be a list/],
    ["step without until", m + "steps:\n  - show: [window]\n", /^f\.yaml:5:5: A step needs until/],
    [
      "unknown event",
      m + "steps:\n  - until: tlb_flush\n",
      /^f\.yaml:5:12: Event "tlb_flush" is not EVENT or EVENT:pfn/,
    ],
    [
      "pfn on an event without one",
      m + "steps:\n  - until: reserve:0x10\n",
      /^f\.yaml:5:12: Event reserve carries no pfn/,
    ],
    [
      "bad pfn in until",
      m + "steps:\n  - until: pv_alloc:0x40000\n",
      /^f\.yaml:5:12: Pfn 0x40000 is outside the machine's 0x40000 pages/,
    ],
    [
      "bad pfn in a query",
      m + "steps:\n  - until: reserve\n    show: [{who_maps: 12ab}]\n",
      /^f\.yaml:6:23: Pfn "12ab" is not a page number/,
    ],
    [
      "unknown query",
      m + "steps:\n  - until: reserve\n    show: [tlb]\n",
      /^f\.yaml:6:12: Unknown query "tlb": the queries are window, front, lookup_address: ARG/,
    ],
    [
      "bad address",
      m + "steps:\n  - until: reserve\n    show:\n      - lookup_address: 0x0000880000000000\n",
      /^f\.yaml:7:25: .*not canonical/,
    ],
    [
      "unknown expectation",
      m + "expect:\n  log_contains: x\n",
      /^f\.yaml:5:3: Unknown key "log_contains" in expect/,
    ],
    [
      "bad outcome",
      m + "expect:\n  outcome: crash\n",
      /^f\.yaml:5:12: expect\.outcome "crash" is not one of: ok, bug, oops, panic/,
    ],
    [
      "expectation of the wrong type",
      m + "expect:\n  panic_contains: {a: b}\n",
      /^f\.yaml:5:19: expect\.panic_contains must be a single value/,
    ],
  ];
  for (const [name, text, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseScenario(text, "f.yaml"), (e: Error) => {
        assert.equal(e.name, "ScenarioError");
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

Deno.test("values keep their text: kernel 3.9 is the profile, not a number", () => {
  const s = parseScenario(
    "machine:\n  kernel: 3.9\n  memory: 1GiB\nrules:\n  maskRwFixmap: false\n",
    "f.yaml",
  );
  assert.equal(s.options.kernel, "3.9");
  assert.deepEqual(s.options.rules, { maskRwFixmap: false });
  assert.deepEqual(runScenario(s).failures, []);
});

Deno.test("the schema names the keys, profiles and rule switches the parser knows", () => {
  const schema = JSON.parse(Deno.readTextFileSync(new URL("schema.json", DIR)));
  const p = schema.properties;
  assert.deepEqual(Object.keys(p), ["machine", "rules", "steps", "expect"]);
  assert.deepEqual(
    new Set(p.machine.properties.kernel.anyOf[0].enum),
    new Set(Object.keys(PROFILES)),
  );
  assert.deepEqual(Object.keys(p.rules.properties), Object.keys(RULE_SWITCHES));
  assert.deepEqual(p.rules.properties.maskRwDirect.enum, RULE_SWITCHES.maskRwDirect);
  assert.deepEqual(p.rules.properties.reserve.enum, RULE_SWITCHES.reserve);
  assert.deepEqual(Object.keys(p.expect.properties), [
    "outcome",
    "xen_log_contains",
    "panic_contains",
    "notes_contain",
  ]);
});
