/**
 * The web edition in a real browser: Debian's Chromium driven by puppeteer-core. The site is
 * built once into a temporary folder; one browser opens the pages one after the other.
 * Screenshots go to `$TMPDIR/xenmmu-web-shots/` (or /tmp) for a person to look at.
 */
import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { buildSite, type SiteReport } from "../../cli/site.ts";

/** Where a Chromium may be: the binary itself first (its /usr/bin wrapper prints shell noise). */
const CHROMIUM_PATHS = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"];

function findChromium(): string | null {
  for (const path of CHROMIUM_PATHS) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

const chromium = findChromium();
const SHOTS = `${Deno.env.get("TMPDIR") ?? "/tmp"}/xenmmu-web-shots`;

if (chromium === null) {
  console.warn(
    `tests/web/browser_test.ts: SKIPPED, no Chromium at ${CHROMIUM_PATHS.join(" or ")}. ` +
      "Install Debian's chromium (apt-get install chromium); .ci/run does.",
  );
}

/** Opens a page and collects its console errors and uncaught exceptions. */
async function open(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${String(error)}`));
  page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
  await page.goto(url, { waitUntil: "load" });
  return { page, errors };
}

Deno.test({
  name: "the web edition in Chromium: chapters run and match, the explorer boots, input stays text",
  ignore: chromium === null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "xenmmu-site-" });
    await Deno.mkdir(SHOTS, { recursive: true });
    let browser: Browser | undefined;
    try {
      const out = new URL(`file://${dir}/`);
      const report: SiteReport = await buildSite({ out });
      browser = await puppeteer.launch({
        executablePath: chromium!,
        headless: true,
        pipe: true,
        args: ["--no-sandbox", "--disable-gpu", "--window-size=1280,900"],
        defaultViewport: { width: 1280, height: 900 },
        env: { HOME: "/tmp" },
      });
      const b = browser;
      const url = (page: string) => new URL(page, out).href;

      await t.step("every chapter page loads clean and ?run=1 matches every output", async () => {
        // Two tabs, each taking the next chapter in turn: Chromium runs each tab's page in its
        // own process, so the two cores share the work.
        const queue = [...report.chapters];
        const worker = async () => {
          for (let chapter = queue.shift(); chapter !== undefined; chapter = queue.shift()) {
            await checkChapter(chapter);
          }
        };
        const checkChapter = async (chapter: string) => {
          const { page, errors } = await open(b, `${url(chapter)}?run=1`);
          await page.waitForSelector("body[data-run-state=done]", { timeout: 20_000 });
          const status = await page.$eval("#run-status", (e) => e.textContent ?? "");
          const outputs = await page.$$eval(".output-fence", (list) => list.length);
          assert.equal(status, `${outputs} of ${outputs} outputs match`, chapter);
          const states = await page.$$eval(
            ".result",
            (list) => list.map((e) => (e as HTMLElement).dataset.state),
          );
          assert.ok(states.every((s) => s === "match" || s === "ran"), `${chapter}: ${states}`);
          assert.deepEqual(errors, [], chapter);
          // Every figure loads (lazy ones are asked to load now).
          const figures = await page.$$eval(
            "main img",
            (list) =>
              Promise.all(list.map(async (element) => {
                const img = element as HTMLImageElement;
                img.loading = "eager";
                try {
                  await img.decode();
                } catch {
                  return [img.src, 0];
                }
                return [img.src, img.naturalWidth];
              })),
          );
          for (const [src, width] of figures) assert.ok(Number(width) > 0, `${chapter}: ${src}`);
          if (chapter === report.chapters[1]) {
            await page.screenshot({ path: `${SHOTS}/chapter.png` });
          }
          await page.close();
        };
        await Promise.all([worker(), worker()]);
      });

      await t.step("an edited fence reruns, and the page says its output differs", async () => {
        const { page } = await open(b, url(report.chapters[0]));
        const index = await page.$eval(".output-fence", (e) => (e as HTMLElement).dataset.outputOf);
        await page.$eval(`[data-fence="${index}"] code`, (code) => {
          (code as HTMLElement).innerText = 'console.log("what if");';
        });
        await page.click("#run");
        await page.waitForSelector("body[data-run-state=done]");
        const status = await page.$eval("#run-status", (e) => e.textContent ?? "");
        const outputs = await page.$$eval(".output-fence", (list) => list.length);
        assert.match(status, new RegExp(`^${outputs - 1} of ${outputs} outputs match`));
        const box = await page.$eval(`[data-result-for="${index}"]`, (e) => ({
          state: (e as HTMLElement).dataset.state,
          text: e.textContent,
        }));
        assert.equal(box.state, "differs");
        assert.match(box.text ?? "", /printed "what if"/);
        await page.close();
      });

      await t.step("the explorer boots 2.6.39 at 1 GiB to ok", async () => {
        const { page, errors } = await open(
          b,
          `${url("explorer.html")}?kernel=2.6.39&memory=1GiB&hypervisor=xen&run=1`,
        );
        await page.waitForSelector("body[data-explorer-state=ready]");
        assert.equal(await page.$eval("#outcome", (e) => e.textContent), "ok");
        await page.screenshot({ path: `${SHOTS}/explorer-ok.png`, fullPage: true });
        assert.deepEqual(errors, []);
        await page.close();
      });

      await t.step(
        "the explorer shows the published-range failure at 6 GiB, with Xen's line",
        async () => {
          const { page, errors } = await open(
            b,
            `${url("explorer.html")}?kernel=published-range&memory=6GiB&hypervisor=xen&run=1`,
          );
          await page.waitForSelector("body[data-explorer-state=ready]");
          const outcome = await page.$eval("#outcome", (e) => e.textContent);
          assert.notEqual(outcome, "ok");
          const log = await page.$eval("#xen-log", (e) => e.textContent ?? "");
          assert.match(log, /Error while pinning mfn [0-9a-f]+/);
          // Step a fresh boot by hand: the first hook, then lookup_address and who-maps answer.
          await page.screenshot({ path: `${SHOTS}/explorer-6g.png`, fullPage: true });
          assert.deepEqual(errors, []);
          await page.close();
        },
      );

      await t.step(
        "the explorer steps, looks up an address, and finds who maps a frame",
        async () => {
          const { page, errors } = await open(
            b,
            `${url("explorer.html")}?kernel=2.6.39&memory=1GiB`,
          );
          await page.waitForSelector("body[data-explorer-state=ready]");
          await page.click("#step-hook");
          assert.match(await page.$eval("#event", (e) => e.textContent ?? ""), /pv_alloc alloc_p/);
          assert.equal(await page.$eval("#outcome", (e) => e.textContent), "running");
          // The hook's frame is looked up at once, through its direct-map address.
          assert.match(
            await page.$eval("#lookup-result", (e) => e.textContent ?? ""),
            /^lookup_address\(0xffff88[0-9a-f]+\) -> /,
          );
          await page.click("#lookup button");
          assert.match(await page.$eval("#lookup-result", (e) => e.textContent ?? ""), /level/);
          await page.click("#whomaps button");
          assert.match(
            await page.$eval("#whomaps-result", (e) => e.textContent ?? ""),
            /entry \d+ of table pfn|No present entry/,
          );
          await page.click("#step-end");
          assert.equal(await page.$eval("#outcome", (e) => e.textContent), "ok");
          assert.deepEqual(errors, []);
          await page.close();
        },
      );

      await t.step(
        "markup in URL parameters shows an error as text and adds no element",
        async () => {
          const clean = await open(b, `${url("explorer.html")}?kernel=2.6.39&memory=1GiB`);
          const count = () => document.querySelectorAll("img, script, iframe, svg").length;
          const baseline = await clean.page.evaluate(count);
          await clean.page.close();
          const attacks = [
            `kernel=${encodeURIComponent('<img src=x onerror="window.pwned=1">')}&memory=1GiB`,
            `kernel=2.6.39&memory=${encodeURIComponent("<script>window.pwned=1</script>")}`,
            `kernel=2.6.39&memory=1GiB&${encodeURIComponent("<svg onload=window.pwned=1>")}=1`,
          ];
          for (const query of attacks) {
            const { page } = await open(b, `${url("explorer.html")}?${query}`);
            await page.waitForSelector("body[data-explorer-state]");
            const error = await page.$eval("#error", (e) => ({
              text: e.textContent ?? "",
              hidden: (e as HTMLElement).hidden,
              children: e.children.length,
            }));
            assert.equal(error.hidden, false, query);
            assert.equal(error.children, 0, query);
            assert.match(error.text, /<(img|script|svg)/, query);
            assert.equal(await page.evaluate(count), baseline, query);
            assert.equal(await page.evaluate(() => "pwned" in globalThis), false, query);
            if (query === attacks[0]) {
              await page.screenshot({ path: `${SHOTS}/explorer-markup.png` });
            }
            await page.close();
          }
        },
      );

      await t.step("search finds a function by name", async () => {
        const { page, errors } = await open(b, url("index.html"));
        await page.type("#search", "lookup_address");
        await page.waitForSelector("#search-results a");
        const first = await page.$eval("#search-results a", (a) => ({
          text: a.textContent ?? "",
          href: (a as HTMLAnchorElement).href,
        }));
        assert.match(first.text, /lookup_address/);
        assert.ok(report.pages.some((p) => first.href.includes(p)), first.href);
        await page.screenshot({ path: `${SHOTS}/search.png` });
        assert.deepEqual(errors, []);
        await page.close();
      });

      await t.step("from a static host too: a chapter runs, the explorer boots", async () => {
        const types: Record<string, string> = {
          html: "text/html; charset=utf-8",
          js: "text/javascript; charset=utf-8",
          css: "text/css; charset=utf-8",
          svg: "image/svg+xml",
        };
        const server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen: () => {} },
          async (request) => {
            const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, "");
            if (path.split("/").includes("..")) return new Response("no", { status: 400 });
            try {
              const body = await Deno.readFile(`${dir}/${path === "" ? "index.html" : path}`);
              const type = types[path.split(".").pop() ?? ""] ?? "application/octet-stream";
              return new Response(body, { headers: { "content-type": type } });
            } catch {
              return new Response("not found", { status: 404 });
            }
          },
        );
        try {
          const base = `http://127.0.0.1:${server.addr.port}/`;
          const chapter = report.chapters[0];
          const { page, errors } = await open(b, `${base}${chapter}?run=1`);
          await page.waitForSelector("body[data-run-state=done]", { timeout: 20_000 });
          assert.match(
            await page.$eval("#run-status", (e) => e.textContent ?? ""),
            /^(\d+) of \1 outputs match$/,
          );
          await page.goto(`${base}explorer.html?kernel=2.6.39&memory=1GiB&hypervisor=xen&run=1`);
          await page.waitForSelector("body[data-explorer-state=ready]");
          assert.equal(await page.$eval("#outcome", (e) => e.textContent), "ok");
          assert.deepEqual(errors, []);
          await page.close();
        } finally {
          await server.shutdown();
        }
      });

      await t.step("the dark theme", async () => {
        const { page } = await open(b, url(report.chapters[2]));
        await page.click("#theme");
        await page.click("#theme");
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
        const background = await page.evaluate(() =>
          getComputedStyle(document.body).backgroundColor
        );
        assert.equal(background, "rgb(22, 24, 28)");
        await page.screenshot({ path: `${SHOTS}/dark.png` });
        // Printed, even from the dark theme: black on white, without the controls.
        await page.emulateMediaType("print");
        const print = await page.evaluate(() => ({
          run: getComputedStyle(document.querySelector(".runbar")!).display,
          nav: getComputedStyle(document.querySelector("nav.toc")!).display,
          background: getComputedStyle(document.body).backgroundColor,
        }));
        assert.deepEqual(print, { run: "none", nav: "none", background: "rgb(255, 255, 255)" });
        await page.screenshot({ path: `${SHOTS}/print.png` });
        await page.close();
      });
    } finally {
      await browser?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
