/**
 * xen-mmu-book: a simulator of how Linux builds its first kernel page tables
 * under the Xen paravirtual MMU, and the book that runs it.
 *
 * It exports the model and nothing that needs Deno or Node, so it also loads in a browser. The
 * commands (`deno task tour`, `deno task sim`, `deno task outcomes`) live in `cli/`.
 *
 * @module
 */

export * from "./mmu/mod.ts";
export * from "./xen/hypervisor/mod.ts";
export * from "./boot/mod.ts";
export * from "./xen/guest/mod.ts";
export * from "./xen/fuzz/mod.ts";
