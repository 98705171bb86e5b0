import assert from "node:assert/strict";
import { outcomesLegend } from "../../cli/outcomes.ts";
import { failureMechanism } from "../../mod.ts";

Deno.test("outcomes: the legend explains every letter failureMechanism can give", () => {
  const legend = outcomesLegend().join("\n");
  for (const letter of ["ok", "A", "P", "V", "R"]) {
    assert.match(legend, new RegExp(`^  ${letter} +\\S`, "m"));
  }
  // a letter the legend explains is one the classifier really returns
  assert.equal(
    failureMechanism(
      { outcome: "oops", xen_log: [] } as unknown as Parameters<
        typeof failureMechanism
      >[0],
    ),
    "R",
  );
});
