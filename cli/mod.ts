/**
 * The commands (`deno task tour`, `sim`, `outcomes`): everything that touches `Deno.*`, `node:*`
 * or the terminal. The library (`mod.ts`) does not import this folder, so it stays browser-safe.
 *
 * @module
 */

export * from "./sim.ts";
export * from "./tour.ts";
export * from "./outcomes.ts";
export * from "./fuzz.ts";
export * from "./soak.ts";
export * from "./command.ts";
export * from "./sweep.ts";
