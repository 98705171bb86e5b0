/// <reference lib="dom" />
/**
 * The search box of every page: the index (built with the site, `search_index.js`) is loaded the
 * first time the reader types, and the results are links written with `textContent` only.
 *
 * @module
 */

import MiniSearch from "minisearch";
import { SEARCH_OPTIONS, type SearchDocument } from "./search_options.ts";

/** What `search_index.js` sets: MiniSearch's serialized index. */
declare global {
  var BOOK_SEARCH_INDEX: unknown;
}

/** How many results are listed. */
const MAX_RESULTS = 12;

/** Loads `search_index.js` once, with a classic script (works from `file://`). */
function loadIndex(root: string): Promise<MiniSearch<SearchDocument>> {
  return new Promise((resolve, reject) => {
    const ready = () =>
      resolve(
        MiniSearch.loadJS(
          globalThis.BOOK_SEARCH_INDEX as Parameters<typeof MiniSearch.loadJS>[0],
          SEARCH_OPTIONS,
        ),
      );
    if (globalThis.BOOK_SEARCH_INDEX !== undefined) return ready();
    const script = document.createElement("script");
    script.src = `${root}search_index.js`;
    script.onload = ready;
    script.onerror = () => reject(new Error("The search index did not load"));
    document.head.append(script);
  });
}

/**
 * Wires the search box (`#search`) to its result list (`#search-results`).
 *
 * @param root The site's root relative to this page (`""` or `"../"`).
 */
export function initSearch(root: string): void {
  const input = document.getElementById("search") as HTMLInputElement | null;
  const list = document.getElementById("search-results");
  if (input === null || list === null) return;
  let index: Promise<MiniSearch<SearchDocument>> | null = null;
  const update = async () => {
    index ??= loadIndex(root);
    const query = input.value.trim();
    list.replaceChildren();
    if (query === "") return;
    const results = (await index).search(query).slice(0, MAX_RESULTS);
    if (input.value.trim() !== query) return;
    if (results.length === 0) {
      const none = document.createElement("li");
      none.textContent = `Nothing found for “${query}”`;
      list.append(none);
      return;
    }
    for (const result of results) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = root + String(result.url);
      const heading = document.createElement("strong");
      heading.textContent = String(result.heading);
      link.append(heading);
      if (result.heading !== result.title) {
        const page = document.createElement("span");
        page.textContent = ` — ${result.title}`;
        link.append(page);
      }
      item.append(link);
      list.append(item);
    }
  };
  input.addEventListener("input", () => void update());
  input.addEventListener("focus", () => {
    index ??= loadIndex(root);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const first = list.querySelector("a");
      if (first !== null) first.click();
    }
    if (event.key === "Escape") {
      input.value = "";
      list.replaceChildren();
    }
  });
}
