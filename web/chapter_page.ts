/// <reference lib="dom" />
/**
 * A chapter page's Run control: runs the page's TypeScript fences (as the reader may have edited
 * them) in order in one scope against the bundled simulator, and says under each `output` fence
 * whether the page printed exactly the verified text. `?run=1` runs on load.
 *
 * @module
 */

import { PAGE_MODULES } from "./page_modules.ts";
import { type PageFence, type PageFenceResult, runFences } from "./run_fences.ts";

/** What the build writes into `#fences-data` for each runnable fence, in order. */
export interface FenceData {
  /** The Markdown line of the opening fence. */
  openLine: number;
  /** The fence's code as written (what runs when the page has no editable copy of it). */
  code: string;
  /** The lines of its `output` fence, if it has one. */
  expected?: string[];
}

/** Says in words how a run went, e.g. `5 of 5 outputs match`. */
export function summarize(
  results: readonly PageFenceResult[],
  fences: readonly FenceData[],
): string {
  const checked = results.filter((r) => fences[r.index].expected !== undefined);
  const matched = checked.filter((r) => r.matches === true).length;
  const parts = [`${matched} of ${checked.length} outputs match`];
  const failed = results.find((r) => r.status === "failed");
  if (failed !== undefined) {
    parts.push(`the fence at line ${fences[failed.index].openLine} failed: ${failed.message}`);
  }
  const skipped = results.filter((r) => r.status === "skipped").length;
  if (skipped > 0) parts.push(`${skipped} fences after it did not run`);
  return parts.join("; ");
}

/**
 * Lets the browser paint before the next fence: a message to ourselves is a new task, and unlike
 * a timer it is neither clamped nor throttled in a tab in the background.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Wires the Run and Restore controls of a chapter page. */
export function initChapterPage(): void {
  const data = document.getElementById("fences-data");
  const run = document.getElementById("run") as HTMLButtonElement | null;
  const restore = document.getElementById("restore") as HTMLButtonElement | null;
  const status = document.getElementById("run-status");
  if (data === null || run === null || status === null) return;
  const fences = JSON.parse(data.textContent ?? "[]") as FenceData[];
  const codes = fences.map((_, i) =>
    document.querySelector<HTMLElement>(`[data-fence="${i}"] code`)
  );
  const original = codes.map((code) => code?.innerHTML ?? "");
  const resultBoxes = fences.map((_, i) =>
    document.querySelector<HTMLElement>(`[data-result-for="${i}"]`)
  );
  if (fences.length === 0) {
    run.disabled = true;
    status.textContent = "This chapter has no code to run.";
    return;
  }

  const show = (result: PageFenceResult) => {
    const box = resultBoxes[result.index];
    if (box === null) return;
    box.replaceChildren();
    box.hidden = false;
    const line = document.createElement("p");
    const fence = fences[result.index];
    let state: string;
    if (result.status === "skipped") {
      state = "skipped";
      line.textContent = "Not run: an earlier fence failed.";
    } else if (result.status === "failed") {
      state = "failed";
      line.textContent = `Failed: ${result.message}`;
    } else if (fence.expected === undefined) {
      state = "ran";
      line.textContent = "Ran.";
    } else if (result.matches) {
      state = "match";
      line.textContent = "✓ The page printed exactly this output.";
    } else {
      state = "differs";
      line.textContent = `✗ The page printed something else: ${result.message}`;
    }
    box.dataset.state = state;
    box.append(line);
    if (result.output !== "" && state !== "match") {
      const printed = document.createElement("pre");
      printed.className = "printed";
      printed.textContent = result.output;
      box.append(printed);
    }
  };

  const go = async () => {
    run.disabled = true;
    document.body.dataset.runState = "running";
    status.textContent = "Running…";
    resultBoxes.forEach((box) => {
      if (box !== null) {
        box.hidden = true;
        box.replaceChildren();
      }
    });
    const pageFences: PageFence[] = fences.map((fence, i) => ({
      code: fenceText(codes[i]) ?? fence.code,
      expected: fence.expected,
      openLine: fence.openLine,
    }));
    // Yield to the browser between fences so that the page shows progress.
    const results = await runFences(pageFences, PAGE_MODULES, async (result) => {
      show(result);
      await nextTask();
    });
    status.textContent = summarize(results, fences);
    document.body.dataset.runState = "done";
    run.disabled = false;
  };

  run.addEventListener("click", () => void go());
  restore?.addEventListener("click", () => {
    codes.forEach((code, i) => {
      // The chapter's own highlighted code, as the build wrote it (never reader or URL data).
      if (code !== null) code.innerHTML = original[i];
    });
    status.textContent = "The chapter's code is back as written.";
  });
  if (new URLSearchParams(location.search).get("run") === "1") void go();
}

/**
 * The code of a fence as the reader sees it. `innerText` keeps the line breaks a reader types into
 * the editable code, but Chromium gives "" for code inside a closed `<details>` (an exercise's
 * folded answer, not rendered), so there the text is read as it is stored.
 */
function fenceText(code: HTMLElement | null): string | undefined {
  if (code === null) return undefined;
  return code.closest("details:not([open])") !== null ? code.textContent ?? "" : code.innerText;
}
