import assert from "node:assert/strict";
import { formatExplorerQuery, parseExplorerQuery } from "../../web/explorer_query.ts";

Deno.test("the explorer's URL names a machine, with the CLI's defaults and checks", () => {
  assert.deepEqual(parseExplorerQuery(""), {
    options: { kernel: "2.6.39", memory: 2 ** 30, hypervisor: "xen" },
    memoryText: "1GiB",
    run: false,
  });
  const q = parseExplorerQuery(
    "?kernel=published-range&memory=4.5GiB&hypervisor=native&maskRwFixmap=off&reserve=memblock&run=1",
  );
  assert.deepEqual(q.options, {
    kernel: "published-range",
    memory: 4.5 * 2 ** 30,
    hypervisor: "native",
    rules: { maskRwFixmap: false, reserve: "memblock" },
  });
  assert.equal(q.run, true);
  // Written back, it reads the same.
  assert.deepEqual(parseExplorerQuery(formatExplorerQuery(q)), q);
});

Deno.test("a bad value in the explorer's URL is an error naming the value and the rule", () => {
  const cases: [string, RegExp][] = [
    ["?kernel=2.6.40", /Kernel "2\.6\.40" is not a profile: 2\.6\.38, 2\.6\.39/],
    ["?memory=1GB", /Memory size "1GB" is not a number of bytes or a number with KiB/],
    ["?memory=1000", /Memory size "1000" is not a whole number of 4 KiB pages/],
    ["?hypervisor=kvm", /Hypervisor "kvm" is not one of: xen, native$/],
    ["?maskRwDirect=all", /Rule maskRwDirect "all" is not one of: none, end, top$/],
    ["?run=yes", /Parameter run "yes" is not 0 or 1$/],
    ["?onload=x", /Parameter "onload" is not one the explorer reads: kernel, memory/],
  ];
  for (const [search, message] of cases) {
    assert.throws(() => parseExplorerQuery(search), message, search);
  }
});
