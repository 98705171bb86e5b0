import assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { PROFILES } from "../../mod.ts";
import { simMain } from "../../cli/sim.ts";
import { runMain } from "./_run_main.ts";

const run = (args: string[]) => runMain(simMain, args);

Deno.test("sim --svg draws every profile, on Xen and natively, with the boot's own numbers", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const kernel of Object.keys(PROFILES)) {
      for (const hypervisor of ["xen", "native"]) {
        const file = `${dir}/${kernel}-${hypervisor}.svg`;
        const base = ["--kernel", kernel, "--memory", "256MiB", "--hypervisor", hypervisor];
        const { code } = run([...base, "--svg", file]);
        assert.equal(code, 0);
        const svg = Deno.readTextFileSync(file);
        assert.equal(XMLValidator.validate(svg), true, file);
        const json = JSON.parse(run([...base, "--json"]).out.join("\n"));
        const where = hypervisor === "xen" ? "Xen" : "native (control)";
        assert.ok(svg.includes(`<title>${kernel} on ${where}, `), file);
        assert.ok(svg.includes(json.outcome === "ok" ? ": ok</title>" : `: ${json.outcome} (`));
        for (const w of json.pgt_buf) {
          assert.ok(svg.includes(`>start 0x${w.start.toString(16)}<`), `${file} start`);
          assert.ok(svg.includes(`>top 0x${w.top.toString(16)}<`), `${file} top`);
        }
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sim --svg with a path that cannot be written is a usage error naming it", () => {
  const { code, err } = run([
    "--kernel",
    "2.6.39",
    "--memory",
    "256MiB",
    "--svg",
    "/nonexistent-dir/boot.svg",
  ]);
  assert.equal(code, 2);
  assert.match(err[0], /--svg "\/nonexistent-dir\/boot\.svg" cannot be written/);
  assert.equal(run(["--kernel", "2.6.39", "--memory", "256MiB", "--svg", ""]).code, 2);
});
