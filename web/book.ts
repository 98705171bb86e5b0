/// <reference lib="dom" />
/**
 * The script every page of the web edition loads (bundled by `deno task site` into `book.js`,
 * a classic script so that pages work from `file://`): the search box and the theme switch
 * everywhere, the Run control on chapter pages, the explorer on its page. The library is also
 * left on `globalThis.xenmmu`, for readers who try things in the browser's console.
 *
 * @module
 */

import * as book from "../mod.ts";
import { initChapterPage } from "./chapter_page.ts";
import { initExplorerPage } from "./explorer_page.ts";
import { initSearch } from "./search_box.ts";
import { initTheme } from "./theme.ts";

declare global {
  var xenmmu: typeof book;
}

globalThis.xenmmu = book;

function start(): void {
  const root = document.body.dataset.root ?? "";
  initTheme();
  initSearch(root);
  if (document.body.dataset.page === "chapter") initChapterPage();
  if (document.body.dataset.page === "explorer") initExplorerPage();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
