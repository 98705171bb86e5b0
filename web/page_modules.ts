/**
 * The modules a chapter page hands its fences: the book's library under its published name, and
 * the browser's `node:assert/strict`.
 *
 * @module
 */

import * as book from "../mod.ts";
import { strictAssert } from "./assert.ts";
import type { PageModules } from "./run_fences.ts";

/** What `import … from "<specifier>"` gives a fence in the page. */
export const PAGE_MODULES: PageModules = {
  "@xenmmu/book": book,
  "node:assert/strict": { ...strictAssert, default: strictAssert },
  "node:assert": { ...strictAssert, default: strictAssert },
};
