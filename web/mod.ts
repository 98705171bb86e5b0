/**
 * The web edition's browser code: the page runner of the chapters' fences, the browser
 * `node:assert/strict`, Deno-style inspection, the explorer's URL state and the search options.
 * The page entry (`book.ts`) and the DOM wiring are bundled by `deno task site` (`cli/site.ts`).
 *
 * @module
 */

export * from "./assert.ts";
export * from "./inspect.ts";
export * from "./run_fences.ts";
export * from "./page_modules.ts";
export * from "./explorer_query.ts";
export * from "./search_options.ts";
