/**
 * How the book's search splits text into terms, the same when the site is built and in the page
 * (MiniSearch needs the same options to load an index it serialized).
 *
 * @module
 */

/** One section of a page, as the search index holds it. */
export interface SearchDocument {
  /** A unique id: the page and the heading's anchor. */
  id: string;
  /** The page's title. */
  title: string;
  /** The section's heading. */
  heading: string;
  /** The section's text, code included. */
  text: string;
  /** The link to the section, relative to the site's root. */
  url: string;
}

/**
 * Splits text into search terms: words and identifiers (`lookup_address`, `pgt_buf_end`, `0x67`),
 * lower-cased, and for an identifier with underscores also its parts, so that `lookup` finds
 * `lookup_address` and `lookup_address` finds it first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tokenize("Calls lookup_address()."), ["calls", "lookup_address", "lookup", "address"]);
 * ```
 *
 * @param text The text.
 * @returns Its terms.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}_]+/u)) {
    const trimmed = word.replace(/^_+|_+$/g, "");
    if (trimmed === "") continue;
    terms.push(trimmed);
    if (trimmed.includes("_")) terms.push(...trimmed.split(/_+/).filter((part) => part !== ""));
  }
  return terms;
}

/** The MiniSearch options shared by the build and the page. */
export const SEARCH_OPTIONS: {
  fields: string[];
  storeFields: string[];
  tokenize: (text: string) => string[];
  searchOptions: { boost: Record<string, number>; prefix: boolean; fuzzy: number };
} = {
  fields: ["title", "heading", "text"],
  storeFields: ["title", "heading", "url"],
  tokenize,
  searchOptions: { boost: { heading: 3, title: 2 }, prefix: true, fuzzy: 0.1 },
};
