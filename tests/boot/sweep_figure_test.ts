import assert from "node:assert/strict";
import {
  OUTCOME_PROFILES,
  parseSweepRun,
  SWEEP_FINDINGS,
  sweepFigureSvg,
  sweepStrip,
} from "../../mod.ts";

const FIGURE = new URL("../../docs/figures/13_sweep.svg", import.meta.url);

Deno.test("the findings cover every profile, 128 MiB to 8 GiB, without gaps or overlaps", () => {
  assert.deepEqual(Object.keys(SWEEP_FINDINGS).sort(), [...OUTCOME_PROFILES].sort());
  for (const [kernel, lines] of Object.entries(SWEEP_FINDINGS)) {
    const spans = lines.map(parseSweepRun);
    assert.equal(spans[0].from, 128, kernel);
    assert.equal(spans.at(-1)!.to, 8192, kernel);
    for (let i = 1; i < spans.length; i++) {
      assert.equal(spans[i].from, spans[i - 1].to + 1, kernel);
      assert.notEqual(spans[i].mechanism, spans[i - 1].mechanism, kernel);
    }
  }
});

Deno.test("parseSweepRun names a line it cannot read", () => {
  assert.throws(() => parseSweepRun("4 GiB ok"), /"4 GiB ok" is not a line of the sweep/);
  assert.deepEqual(parseSweepRun("128–8192 MiB A pfn 0x1601"), {
    from: 128,
    to: 8192,
    mechanism: "A",
  });
});

Deno.test("sweepStrip marks a cell with more than one outcome", () => {
  const strip = sweepStrip(SWEEP_FINDINGS["published-range"], 128, 8192 + 128, 128);
  assert.equal(strip.length, 64);
  assert.equal(strip.indexOf("*"), (4096 - 128) / 128); // 4104 | 4105 MiB
  assert.equal(strip.split("*").length - 1, 4); // that, and the islands at 5, 6 and 7 GiB
});

Deno.test("docs/figures/13_sweep.svg is the figure of the findings", async () => {
  const svg = sweepFigureSvg(SWEEP_FINDINGS, 128, 8192);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // every run is drawn, with its sizes in a tooltip
  const runs = Object.values(SWEEP_FINDINGS).flat().length;
  assert.equal(svg.split("<title>").length - 1, runs + 1); // and the figure's own title
  assert.equal(
    await Deno.readTextFile(FIGURE),
    svg,
    "the figure is out of date: regenerate it with deno eval " +
      `'import * as b from "./mod.ts"; ` +
      `Deno.writeTextFileSync("docs/figures/13_sweep.svg", ` +
      `b.sweepFigureSvg(b.SWEEP_FINDINGS, 128, 8192))'`,
  );
});
