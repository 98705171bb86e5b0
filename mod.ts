/**
 * xen-mmu-book: a simulator of how Linux builds its first kernel page tables
 * under the Xen paravirtual MMU, and the book that runs it.
 *
 * As a library it exports the model; run as a program it is the command line
 * (`deno task tour`, `deno task sim`).
 *
 * @module
 */

export * from "./mmu/mod.ts";
export * from "./xen/hypervisor/mod.ts";
export * from "./boot/mod.ts";
export * from "./xen/guest/mod.ts";

if (import.meta.main) {
  // No top-level await here: the chapters the tour runs import this module, and would wait
  // forever for a module still awaiting its own command.
  const [command, ...rest] = Deno.args;
  if (command === "sim") {
    import("./boot/sim_command.ts").then(({ simMain }) => Deno.exit(simMain(rest)));
  } else if (command === "outcomes") {
    import("./boot/outcome_table.ts").then((t) => {
      for (const hypervisor of ["xen", "native"] as const) {
        console.log(t.outcomeTable(t.OUTCOME_SIZES, t.OUTCOME_PROFILES, hypervisor).join("\n"));
      }
    });
  } else {
    import("./docs/tour.ts").then(async ({ main }) => Deno.exit(await main(Deno.args)));
  }
}
