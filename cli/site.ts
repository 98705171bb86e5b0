/**
 * `deno task site`: build the web edition into `_site/` (or `--out DIR`): every chapter as a
 * page (Markdown through `npm:markdown-it`, code highlighted at build time with `npm:prismjs`),
 * the figures, the glossary, an explorer page, the repository files the chapters link to, a
 * search index (`npm:minisearch`) and one bundled script (`web/book.ts`, a classic script so the
 * pages also work opened from disk).
 *
 * ```sh
 * deno task site [--out DIR]
 * ```
 *
 * @module
 */

// @ts-types="npm:@types/markdown-it@14.1.2"
import MarkdownIt from "markdown-it";
// @ts-types="npm:@types/prismjs@1.26.6"
import Prism from "prismjs";
import "prismjs/components/prism-typescript.js";
import "prismjs/components/prism-bash.js";
import "prismjs/components/prism-json.js";
import MiniSearch from "minisearch";
import { parseArgs } from "node:util";
import { parseChapter } from "../docs/runner/parse_chapter.ts";
import { SEARCH_OPTIONS, type SearchDocument } from "../web/search_options.ts";
import type { FenceData } from "../web/chapter_page.ts";

/** Options of {@linkcode buildSite}. */
export interface SiteOptions {
  /**
   * The repository whose `docs/` is built, and whose files the chapters may link to (default:
   * this file's parent folder). The templates and the script always come from this repository's
   * `web/`.
   */
  root?: URL;
  /** Where the site goes (default: `<root>/_site/`). */
  out?: URL;
  /** Whether to minify the script (default: true). */
  minify?: boolean;
  /** Whether to bundle the script at all (default: true; tests of the pages alone skip it). */
  script?: boolean;
}

/** What a build made. */
export interface SiteReport {
  /** Every page written, relative to the output folder. */
  pages: string[];
  /** The chapters' pages, in order. */
  chapters: string[];
  /** Links the build could not resolve: `page: href`. */
  brokenLinks: string[];
  /** The figures copied. */
  figures: string[];
  /** Bytes of `book.js`, plain and gzipped. */
  script: { bytes: number; gzipped: number };
}

/** A Markdown page of the book. */
interface BookPage {
  /** Its path in the repository, e.g. `docs/02_lookup_address.md`. */
  source: string;
  /** Its page, e.g. `02_lookup_address.html`. */
  page: string;
  /** The text of its first `#` heading. */
  title: string;
  /** That heading as written (Markdown). */
  titleMarkdown: string;
  /** Its Markdown. */
  markdown: string;
  /** Whether it is a chapter (runs, has navigation). */
  chapter: boolean;
}

/** What the renderer needs to know about the page it renders. */
interface RenderEnv {
  page: BookPage;
  /** Runnable fences by opening line: their index. */
  fences: Map<number, number>;
  /** Output fences by opening line: the index of the fence they check. */
  outputs: Map<number, number>;
  /** Heading ids already used on the page. */
  slugs: Map<string, number>;
  /** Resolves a link written in the page. */
  link: (href: string) => string;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A heading's anchor, as GitHub makes it (so that links written for GitHub work here too). */
export function slugify(text: string): string {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** Highlights code for a fence's language (TypeScript, shell, JSON); anything else is text. */
function highlight(code: string, lang: string): string {
  const grammar = {
    ts: "typescript",
    typescript: "typescript",
    js: "javascript",
    javascript: "javascript",
    sh: "bash",
    bash: "bash",
    shell: "bash",
    json: "json",
  }[lang];
  if (grammar === undefined || Prism.languages[grammar] === undefined) return escapeHtml(code);
  return Prism.highlight(code, Prism.languages[grammar], grammar);
}

function markdownRenderer(): MarkdownIt {
  // HTML stays on: the chapters' exercises are <details> blocks. The chapters are ours; nothing
  // from a reader or a URL is ever rendered by this.
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });
  md.core.ruler.push("heading_ids", (state) => {
    const env = state.env as RenderEnv;
    state.tokens.forEach((token, i) => {
      if (token.type !== "heading_open") return;
      const text = (state.tokens[i + 1].children ?? [])
        .filter((c) => c.type === "text" || c.type === "code_inline")
        .map((c) => c.content)
        .join("");
      const base = slugify(text);
      const seen = env.slugs.get(base) ?? 0;
      env.slugs.set(base, seen + 1);
      token.attrSet("id", seen === 0 ? base : `${base}-${seen}`);
    });
  });
  // A "#" after each section heading links to it, for readers who share a section.
  md.renderer.rules.heading_close = (tokens, idx) => {
    const open = tokens[idx - 2];
    const id = open?.attrGet("id");
    const tag = tokens[idx].tag;
    if (id === null || id === undefined || tag === "h1") return `</${tag}>\n`;
    return ` <a class="anchor" href="#${escapeHtml(id)}" aria-label="Link to this section">#</a>` +
      `</${tag}>\n`;
  };
  md.renderer.rules.fence = (tokens, idx, _options, envArg) => {
    const env = envArg as RenderEnv;
    const token = tokens[idx];
    const openLine = (token.map?.[0] ?? -1) + 1;
    const lang = token.info.trim().split(/\s+/)[0] ?? "";
    const code = token.content.replace(/\n$/, "");
    const index = env.fences.get(openLine);
    if (index !== undefined) {
      const hasOutput = [...env.outputs.values()].includes(index);
      return `<div class="fence runnable" data-fence="${index}">` +
        `<div class="fence-label">fence ${index + 1} · edit and run again</div>` +
        `<pre class="language-ts"><code contenteditable="plaintext-only" spellcheck="false" ` +
        `aria-label="Code of fence ${index + 1}, editable">${highlight(code, "ts")}</code></pre>` +
        `</div>\n` +
        (hasOutput ? "" : `<div class="result" data-result-for="${index}" hidden></div>\n`);
    }
    const checks = env.outputs.get(openLine);
    if (checks !== undefined) {
      return `<div class="output-fence" data-output-of="${checks}">` +
        `<div class="fence-label">verified output</div>` +
        `<pre class="output"><code>${escapeHtml(code)}</code></pre></div>\n` +
        `<div class="result" data-result-for="${checks}" hidden></div>\n`;
    }
    const cls = lang === "" ? "" : ` class="language-${escapeHtml(lang)}"`;
    return `<pre${cls}><code>${highlight(code, lang)}</code></pre>\n`;
  };
  const defaultLink = md.renderer.rules.link_open ??
    ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, envArg, self) => {
    const token = tokens[idx];
    const href = token.attrGet("href");
    if (href !== null) {
      const rewritten = (envArg as Partial<RenderEnv> | undefined)?.link?.(href) ?? href;
      token.attrSet("href", rewritten);
      if (/^[a-z][a-z0-9+.-]*:/i.test(rewritten)) token.attrSet("rel", "noopener");
    }
    return defaultLink(tokens, idx, options, envArg, self);
  };
  md.renderer.rules.image = (tokens, idx, _options, envArg) => {
    const token = tokens[idx];
    const raw = token.attrGet("src") ?? "";
    const src = (envArg as Partial<RenderEnv> | undefined)?.link?.(raw) ?? raw;
    const alt = token.children?.map((c) => c.content).join("") ?? token.content;
    const title = token.attrGet("title");
    return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"` +
      (title ? ` title="${escapeHtml(title)}"` : "") + ` loading="lazy">`;
  };
  return md;
}

/** The plain text of some Markdown inline source, for the search index. */
function plain(text: string): string {
  return text.replace(/<[^>]+>/g, " ").replace(/[`*[\]()#>]/g, "").replace(/\\/g, "").replace(
    /\s+/g,
    " ",
  ).trim();
}

/** Cuts a page into sections (one per heading) for the search index. */
function searchSections(md: MarkdownIt, page: BookPage, env: RenderEnv): SearchDocument[] {
  const tokens = md.parse(page.markdown, env);
  const docs: SearchDocument[] = [];
  let current: SearchDocument = {
    id: page.page,
    title: page.title,
    heading: page.title,
    text: "",
    url: page.page,
  };
  tokens.forEach((token, i) => {
    if (token.type === "heading_open" && token.tag === "h1" && docs.length === 0) {
      // The title is the page's own entry, linked without an anchor.
      current.heading = plain(tokens[i + 1].content);
      return;
    }
    if (token.type === "heading_open") {
      if (current.text.trim() !== "" || docs.length === 0) docs.push(current);
      const id = token.attrGet("id") ?? "";
      current = {
        id: `${page.page}#${id}`,
        title: page.title,
        heading: plain(tokens[i + 1].content),
        text: "",
        url: `${page.page}#${id}`,
      };
      return;
    }
    if (token.type === "inline" && tokens[i - 1]?.type !== "heading_open") {
      current.text += " " + plain(token.content);
    } else if (token.type === "fence" || token.type === "code_block") {
      current.text += " " + token.content;
    } else if (token.type === "html_block") {
      current.text += " " + plain(token.content);
    }
  });
  docs.push(current);
  // The first entry is the page itself (its title and opening text), not an empty section.
  return docs.filter((doc, i) => i === 0 || doc.text.trim() !== "" || doc.heading !== "");
}

/** The page template with its placeholders filled (values already HTML). */
function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

async function exists(url: URL): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/**
 * Bundles a browser entry into one classic script (`deno bundle --platform browser`).
 *
 * @param entry The entry module.
 * @param out Where the script goes.
 * @param minify Whether to minify.
 * @param format `iife` (a classic script) or `esm`.
 */
export async function bundleForBrowser(
  entry: URL,
  out: URL,
  minify = true,
  format: "iife" | "esm" = "iife",
): Promise<void> {
  const args = ["bundle", "--quiet", "--platform", "browser", "--format", format];
  if (minify) args.push("--minify");
  args.push("-o", out.pathname, entry.pathname);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle ${entry.pathname} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

/**
 * Builds the site.
 *
 * @param options Where the repository is and where the site goes.
 * @returns What was built.
 */
export async function buildSite(options: SiteOptions = {}): Promise<SiteReport> {
  const root = options.root ?? new URL("../", import.meta.url);
  const out = options.out ?? new URL("_site/", root);
  const docs = new URL("docs/", root);
  const web = new URL("../web/", import.meta.url);
  await Deno.remove(out, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(out, { recursive: true });

  const names = [...Deno.readDirSync(docs)].filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => e.name).sort();
  const pages: BookPage[] = [];
  for (const name of names) {
    const markdown = await Deno.readTextFile(new URL(name, docs));
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1].trim() ?? name;
    pages.push({
      source: `docs/${name}`,
      page: name.replace(/\.md$/, ".html"),
      title: plain(title),
      titleMarkdown: title,
      markdown,
      chapter: /^\d\d_/.test(name),
    });
  }
  const chapters = pages.filter((p) => p.chapter);
  const glossary = pages.find((p) => p.source === "docs/glossary.md");
  const bySource = new Map(pages.map((p) => [p.source, p]));

  const brokenLinks = new Set<string>();
  const figures = new Set<string>();
  const sources = new Set<string>();
  const template = await Deno.readTextFile(new URL("page.html", web));
  const md = markdownRenderer();
  const searchDocs: SearchDocument[] = [];

  // Links are resolved against the repository: a page of the book, a figure, a repository file
  // (shown as a page of its own), or left alone when it is a URL or an anchor.
  const resolveLink = (page: BookPage) => (href: string): string => {
    if (href === "" || href.startsWith("#") || /^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
    const base = new URL(page.source, "file:///repo/");
    const target = new URL(href, base);
    const path = decodeURIComponent(target.pathname.replace(/^\/repo\//, ""));
    const hash = target.hash;
    const book = bySource.get(path);
    if (book !== undefined) return book.page + hash;
    const file = new URL(path, root);
    let info: Deno.FileInfo | null = null;
    try {
      info = Deno.statSync(file);
    } catch {
      info = null;
    }
    if (info?.isFile && path.startsWith("docs/figures/")) {
      figures.add(path);
      return path.replace(/^docs\//, "") + hash;
    }
    if (info?.isFile && !path.startsWith("..") && !path.startsWith("/")) {
      sources.add(path);
      return `src/${path}.html${hash}`;
    }
    brokenLinks.add(`${page.source}: ${href}`);
    return href;
  };

  const nav = (current: string, prefix: string): string => {
    const items = chapters.map((c) =>
      `<li><a href="${prefix}${c.page}"${c.page === current ? ' aria-current="page"' : ""}>${
        md.renderInline(c.titleMarkdown)
      }</a></li>`
    ).join("");
    const extra = [
      glossary
        ? `<li><a href="${prefix}${glossary.page}"${
          current === glossary.page ? ' aria-current="page"' : ""
        }>Glossary</a></li>`
        : "",
      `<li><a href="${prefix}explorer.html"${
        current === "explorer.html" ? ' aria-current="page"' : ""
      }>The explorer</a></li>`,
    ].join("");
    return `<ul class="chapters">${items}</ul><ul class="extras">${extra}</ul>`;
  };

  const writePage = async (
    file: string,
    values: { title: string; content: string; kind: string; prevnext?: string },
  ) => {
    const depth = file.split("/").length - 1;
    const prefix = "../".repeat(depth);
    const html = fillTemplate(template, {
      title: escapeHtml(values.title),
      root: prefix,
      page: values.kind,
      nav: nav(file, prefix),
      content: values.content,
      prevnext: values.prevnext ?? "",
    });
    const target = new URL(file, out);
    await Deno.mkdir(new URL(".", target), { recursive: true });
    await Deno.writeTextFile(target, html);
    written.push(file);
  };
  const written: string[] = [];

  for (const page of pages) {
    const fences = page.chapter ? parseChapter(page.markdown) : [];
    const env: RenderEnv = {
      page,
      fences: new Map(fences.map((f) => [f.openLine, f.index])),
      outputs: new Map(
        fences.filter((f) => f.output !== undefined).map((f) => [f.output!.openLine, f.index]),
      ),
      slugs: new Map(),
      link: resolveLink(page),
    };
    const body = md.render(page.markdown, env);
    searchDocs.push(...searchSections(md, page, { ...env, slugs: new Map() }));
    let content = body;
    let prevnext = "";
    if (page.chapter) {
      const data: FenceData[] = fences.map((f) => ({
        openLine: f.openLine,
        code: f.lines.join("\n"),
        ...(f.output === undefined ? {} : { expected: f.output.lines }),
      }));
      // JSON inside a script element: "<" escaped so that no text can close the element.
      const json = JSON.stringify(data).replace(/</g, "\\u003c");
      const bar = `<div class="runbar"><button id="run" type="button">Run the chapter</button>` +
        `<button id="restore" type="button">Restore the code</button>` +
        `<span id="run-status" role="status">${fences.length} fences; ` +
        `${data.filter((d) => d.expected).length} verified outputs. ` +
        `Run them here, in your browser.</span></div>`;
      const h1End = body.indexOf("</h1>");
      content =
        (h1End === -1 ? bar + body : body.slice(0, h1End + 5) + bar + body.slice(h1End + 5)) +
        `<script type="application/json" id="fences-data">${json}</script>`;
      const i = chapters.indexOf(page);
      const prev = chapters[i - 1];
      const next = chapters[i + 1];
      prevnext = `<nav class="prevnext" aria-label="Chapters">` +
        (prev
          ? `<a rel="prev" href="${prev.page}">← ${md.renderInline(prev.titleMarkdown)}</a>`
          : "<span></span>") +
        (next
          ? `<a rel="next" href="${next.page}">${md.renderInline(next.titleMarkdown)} →</a>`
          : "<span></span>") +
        `</nav>`;
    }
    await writePage(page.page, {
      title: page.title,
      content,
      kind: page.chapter ? "chapter" : "page",
      prevnext,
    });
  }

  // The home page: the chapters with what each teaches.
  const list = chapters.map((c) => {
    // The chapter's "You will learn" list, or else the first plain paragraph after the title (not
    // a quote, a fence, a list or the Previous/Next line).
    const paragraphs = c.markdown.slice(c.markdown.indexOf("\n") + 1).split(/\n\s*\n/)
      .map((p) => p.trim());
    const learn = paragraphs.find((p) => p.startsWith("**You will learn:**"));
    const intro = learn?.replace(/^\*\*You will learn:\*\*\s*/, "") ??
      paragraphs.find((p) =>
        p !== "" && !/^([>#`|<!*-]|\d+\.|\*\*You need|Previous:|Next:)/.test(p)
      ) ?? "";
    return `<li><a href="${c.page}">${md.renderInline(c.titleMarkdown)}</a><p>${
      md.renderInline(intro, { link: resolveLink(c) })
    }</p></li>`;
  }).join("\n");
  await writePage("index.html", {
    title: "How Linux builds its first page tables under Xen",
    kind: "home",
    content: await Deno.readTextFile(new URL("home.html", web)).then((text) =>
      fillTemplate(text, { chapters: list, glossary: glossary ? glossary.page : "" })
    ),
  });
  await writePage("explorer.html", {
    title: "The explorer",
    kind: "explorer",
    content: await Deno.readTextFile(new URL("explorer.html", web)),
  });

  for (const path of [...sources].sort()) {
    const text = await Deno.readTextFile(new URL(path, root));
    const lines = text.replace(/\n$/, "").split("\n").map((line, i) =>
      `<span class="line" id="L${i + 1}">${escapeHtml(line)}</span>`
    ).join("\n");
    await writePage(`src/${path}.html`, {
      title: path,
      kind: "source",
      content: `<h1><code>${escapeHtml(path)}</code></h1>` +
        `<p>A file of the repository, as it was when the site was built.</p>` +
        `<pre class="source"><code>${lines}</code></pre>`,
    });
  }

  // Every figure in docs/figures, linked or not (the chapters may embed them in HTML too).
  const figureDir = new URL("docs/figures/", root);
  if (await exists(figureDir)) {
    for (const entry of Deno.readDirSync(figureDir)) {
      if (entry.isFile && /\.(svg|png)$/.test(entry.name)) {
        figures.add(`docs/figures/${entry.name}`);
      }
    }
  }
  if (figures.size > 0) await Deno.mkdir(new URL("figures/", out), { recursive: true });
  for (const figure of figures) {
    await Deno.copyFile(new URL(figure, root), new URL(figure.replace(/^docs\//, ""), out));
  }

  const search = new MiniSearch<SearchDocument>(SEARCH_OPTIONS);
  search.addAll(searchDocs);
  await Deno.writeTextFile(
    new URL("search_index.js", out),
    `globalThis.BOOK_SEARCH_INDEX = ${JSON.stringify(search.toJSON()).replace(/</g, "\\u003c")};\n`,
  );
  await Deno.copyFile(new URL("style.css", web), new URL("style.css", out));
  await Deno.writeTextFile(new URL(".nojekyll", out), "");
  let script = new Uint8Array();
  if (options.script ?? true) {
    await bundleForBrowser(
      new URL("book.ts", web),
      new URL("book.js", out),
      options.minify ?? true,
    );
    script = await Deno.readFile(new URL("book.js", out));
  }
  return {
    pages: written,
    chapters: chapters.map((c) => c.page),
    brokenLinks: [...brokenLinks],
    figures: [...figures].sort(),
    script: { bytes: script.byteLength, gzipped: await gzipSize(script) },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  const out = values.out === undefined
    ? undefined
    : new URL(`${values.out.replace(/\/?$/, "/")}`, `file://${Deno.cwd()}/`);
  const started = performance.now();
  const report = await buildSite({ out });
  const where = out?.pathname ?? "_site/";
  console.log(
    `Built ${report.pages.length} pages (${report.chapters.length} chapters, ` +
      `${report.figures.length} figures) into ${where} in ${
        Math.round(performance.now() - started)
      } ms; book.js ${report.script.bytes} bytes, ${report.script.gzipped} gzipped`,
  );
  for (const link of report.brokenLinks) console.error(`broken link: ${link}`);
  console.log(`Open ${where}index.html in a browser, or serve the folder from any static host.`);
  if (report.brokenLinks.length > 0) Deno.exit(1);
}
