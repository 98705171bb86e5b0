import { fuzzXsa } from "./mod.ts";
for (const xsa of [182, 148] as const) {
  const n: number[] = [];
  const lens: number[] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const r = fuzzXsa({ xsa, mode: "vulnerable", seed, requests: 200000 });
    n.push(r.found ? r.requests : Infinity);
    lens.push(r.sequence.length);
  }
  const s = [...n].sort((a, b) => a - b);
  console.log(
    xsa,
    "median",
    (s[9] + s[10]) / 2,
    "min",
    s[0],
    "max",
    s[19],
    "all",
    n.join(","),
    "lens",
    lens.join(","),
  );
  let fixedMade = 0, fixedFound = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const r = fuzzXsa({ xsa, mode: "fixed", seed, requests: 20000 });
    fixedMade += r.requests;
    if (r.found) fixedFound++;
  }
  console.log(xsa, "fixed: found", fixedFound, "of 20 seeds,", fixedMade, "requests");
}
