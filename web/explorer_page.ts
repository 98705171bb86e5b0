/// <reference lib="dom" />
/**
 * The explorer page: boots the machine its URL names, steps it event by event, and shows the
 * windows, `lookup_address` of an address, who maps a frame, and Xen's console. Everything that
 * came from the URL or a form reaches the page through `textContent` only.
 *
 * @module
 */

import { BootMachine, type BootResult } from "../boot/boot.ts";
import type { BootEvent } from "../boot/kernel.ts";
import { formatEvent } from "../boot/format_event.ts";
import { PROFILES } from "../boot/profiles.ts";
import { describeFlags, entryFlags, formatEntry } from "../mmu/entry.ts";
import { lookup_address } from "../mmu/lookup_address.ts";
import { PG_LEVEL_NAMES } from "../mmu/pgtable_types.ts";
import { __va, formatVirt, virt } from "../mmu/virtual_address.ts";
import { PAGE_SIZE } from "../mmu/page_64_types.ts";
import {
  DEFAULT_QUERY,
  type ExplorerQuery,
  formatExplorerQuery,
  parseExplorerQuery,
  RULE_SWITCHES,
} from "./explorer_query.ts";

/** How many recent events the page lists. */
const RECENT_EVENTS = 40;

const hex = (n: number): string => "0x" + n.toString(16);

/**
 * The map of the whole memory, pfn 0 to max_pfn: how far the direct map is written (the
 * mapping front) and `max_pfn_mapped`; the windows and the current pfn are added on top.
 */
function memoryMap(maxPfn: number, frontPfn: number, maxPfnMapped: number): HTMLElement {
  const row = document.createElement("div");
  row.className = "window memory";
  const scale = Math.max(1, maxPfn);
  const bar = document.createElement("div");
  bar.className = "bar";
  const mapped = document.createElement("span");
  mapped.className = "mapped";
  mapped.style.width = `${(100 * Math.min(frontPfn, scale)) / scale}%`;
  const limit = document.createElement("span");
  limit.className = "limit";
  limit.style.left = `${(100 * Math.min(maxPfnMapped, scale)) / scale}%`;
  bar.append(mapped, limit);
  row.append(
    el(
      "p",
      `memory, pfn 0 to max_pfn ${hex(maxPfn)}: written by the direct map up to pfn ` +
        `${hex(Math.floor(frontPfn))} (shaded), max_pfn_mapped ${hex(maxPfnMapped)} (line), ` +
        "the windows (boxes), the current event's pfn (orange)",
    ),
    bar,
  );
  return row;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The explorer page has no #${id}`);
  return element as T;
}

/** Makes an element with text (never markup). */
function el(tag: string, text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className !== undefined) element.className = className;
  return element;
}

/** Fills the form's choices and sets them from the query (or the defaults). */
function fillForm(query: ExplorerQuery | null): void {
  const kernel = byId<HTMLSelectElement>("kernel");
  for (const [id, profile] of Object.entries(PROFILES)) {
    const option = el("option", `${id}: ${profile.summary}`) as HTMLOptionElement;
    option.value = id;
    kernel.append(option);
  }
  for (const [name, values] of Object.entries(RULE_SWITCHES)) {
    const select = byId<HTMLSelectElement>(name);
    const same = el("option", "as the profile") as HTMLOptionElement;
    same.value = "";
    select.append(same);
    for (const value of values) {
      const option = el("option", value) as HTMLOptionElement;
      option.value = value;
      select.append(option);
    }
  }
  kernel.value = query?.options.kernel ?? DEFAULT_QUERY.kernel;
  byId<HTMLInputElement>("memory").value = query?.memoryText ?? DEFAULT_QUERY.memory;
  byId<HTMLSelectElement>("hypervisor").value = query?.options.hypervisor ?? "xen";
  const rules = query?.options.rules ?? {};
  byId<HTMLSelectElement>("maskRwDirect").value = rules.maskRwDirect ?? "";
  byId<HTMLSelectElement>("maskRwFixmap").value = rules.maskRwFixmap === undefined
    ? ""
    : rules.maskRwFixmap
    ? "on"
    : "off";
  byId<HTMLSelectElement>("reserve").value = rules.reserve ?? "";
}

/** The query the form describes. */
function formQuery(run: boolean): string {
  const params = new URLSearchParams();
  for (const name of ["kernel", "memory", "hypervisor", ...Object.keys(RULE_SWITCHES)]) {
    const value = (byId<HTMLInputElement | HTMLSelectElement>(name)).value.trim();
    if (value !== "") params.set(name, value);
  }
  if (run) params.set("run", "1");
  return `?${params}`;
}

/** Wires the explorer page. */
export function initExplorerPage(): void {
  const error = byId("error");
  let query: ExplorerQuery | null = null;
  try {
    query = parseExplorerQuery(location.search);
  } catch (e) {
    error.textContent = e instanceof Error ? e.message : String(e);
    error.hidden = false;
  }
  fillForm(query);
  byId<HTMLFormElement>("machine").addEventListener("submit", (event) => {
    event.preventDefault();
    const submitter = (event as SubmitEvent).submitter;
    location.search = formQuery(submitter?.id === "boot-run");
  });
  if (query === null) {
    byId("outcome").textContent = "no machine: fix the parameters above";
    byId("machine-view").hidden = true;
    document.body.dataset.explorerState = "error";
    return;
  }
  byId("link").textContent = `explorer.html${formatExplorerQuery({ ...query, run: true })}`;

  let machine: BootMachine;
  try {
    machine = new BootMachine(query.options);
  } catch (e) {
    error.textContent = e instanceof Error ? e.message : String(e);
    error.hidden = false;
    byId("machine-view").hidden = true;
    document.body.dataset.explorerState = "error";
    return;
  }
  const m = machine;
  let count = 0;
  const recent: BootEvent[] = [];
  let last: BootEvent | null = null;
  let result: BootResult | null = null;
  const onEvent = (e: BootEvent) => {
    count++;
    recent.push(e);
    if (recent.length > RECENT_EVENTS) recent.shift();
  };

  const render = () => {
    byId("event").textContent = last === null
      ? count === 0 ? "Not started: step, or run to the end." : "The boot has ended."
      : `Event ${count}: ${formatEvent(last)}`;
    const events = byId("events");
    // Newest first, numbered by their place in the boot.
    events.replaceChildren(
      ...recent.map((e, i) => {
        const item = el("li", formatEvent(e));
        (item as HTMLLIElement).value = count - recent.length + i + 1;
        return item;
      }).reverse(),
    );
    const outcome = byId("outcome");
    const detail = byId("outcome-detail");
    if (m.outcome === null) {
      outcome.textContent = "running";
      detail.textContent = "";
    } else {
      result ??= m.finish();
      outcome.textContent = result.outcome;
      detail.textContent = [...result.notes, result.panic ?? ""].filter((s) => s !== "").join("\n");
    }
    outcome.dataset.outcome = m.outcome ?? "running";
    const k = m.kernel;
    const windows = byId("windows");
    const rows: HTMLElement[] = [memoryMap(k.memory.maxPfn, k.front / PAGE_SIZE, k.max_pfn_mapped)];
    const all = [...k.windows];
    const current = k.pgt_buf;
    if (current.top > 0 && !all.some((w) => w.start === current.start && w.top === current.top)) {
      all.push(current);
    }
    // Each window on the map of the whole memory, then on its own, to its own scale.
    const scale = Math.max(1, k.memory.maxPfn);
    all.forEach((w, i) => {
      const spot = document.createElement("span");
      spot.className = "window-spot";
      spot.style.left = `${(100 * w.start) / scale}%`;
      spot.style.width = `max(3px, ${(100 * (w.top - w.start)) / scale}%)`;
      spot.title = `window ${i + 1}: pfns ${hex(w.start)}-${hex(w.top)}`;
      rows[0].querySelector(".bar")!.append(spot);
    });
    if (last !== null && "pfn" in last) {
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.style.left = `${(100 * Math.min(last.pfn, scale)) / scale}%`;
      rows[0].querySelector(".bar")!.append(mark);
    }
    all.forEach((w, i) => {
      const row = document.createElement("div");
      row.className = "window";
      const size = Math.max(1, w.top - w.start);
      const bar = document.createElement("div");
      bar.className = "bar";
      const used = document.createElement("span");
      used.className = "used";
      used.style.width = `${(100 * (w.end - w.start)) / size}%`;
      bar.append(used);
      if (last !== null && "pfn" in last && last.pfn >= w.start && last.pfn < w.top) {
        const mark = document.createElement("span");
        mark.className = "mark";
        mark.style.left = `${(100 * (last.pfn - w.start)) / size}%`;
        mark.title = `pfn ${hex(last.pfn)}`;
        bar.append(mark);
      }
      row.append(
        el(
          "p",
          `window ${i + 1}: start ${hex(w.start)}, end ${hex(w.end)}, top ${hex(w.top)} ` +
            `(${w.end - w.start} of ${w.top - w.start} pages handed out)`,
        ),
        bar,
      );
      rows.push(row);
    });
    if (rows.length === 0) {
      rows.push(el("p", "No window yet (find_early_table_space has not run)."));
    }
    rows.push(
      el(
        "p",
        `max_pfn_mapped ${hex(k.max_pfn_mapped)}; mapping front at byte ${hex(k.front)}; ` +
          `table pages ${k.stats.tablePages}, hypercalls ${k.stats.hypercalls}`,
      ),
    );
    windows.replaceChildren(...rows);
    byId("xen-log").textContent = m.xen === null
      ? "(bare metal: no hypervisor)"
      : m.xen.console.lines.join("\n");
    byId("kernel-log").textContent = k.log.join("\n");
    // The frame of the current event: its pfn goes into "who maps a frame", answered at once,
    // so the tables around it show as the reader steps.
    const pfn = byId<HTMLInputElement>("pfn");
    if (last !== null && "pfn" in last && document.activeElement !== pfn) {
      pfn.value = hex(last.pfn);
      showWhoMaps();
      // And what the kernel's own walk finds for that frame's direct-map address (NULL for a
      // table page the tables do not reach yet: the question the whole book turns on).
      const address = byId<HTMLInputElement>("address");
      if (document.activeElement !== address) {
        address.value = formatVirt(__va(last.pfn * PAGE_SIZE));
        showLookup();
      }
    }
  };

  const step = (stop: (e: BootEvent) => boolean) => {
    const started = performance.now();
    last = m.runUntil(stop, onEvent);
    byId("timing").textContent = `stepped in ${(performance.now() - started).toFixed(1)} ms`;
    render();
  };
  const steps: [string, (e: BootEvent) => boolean][] = [
    ["step-event", () => true],
    ["step-alloc", (e) => e.kind === "alloc_low_page"],
    ["step-hook", (e) => e.kind === "pv_alloc"],
    ["step-hypercall", (e) => e.kind === "hypercall"],
    ["step-failure", () => false],
    ["step-end", () => false],
  ];
  for (const [id, stop] of steps) byId(id).addEventListener("click", () => step(stop));

  const showLookup = () => {
    const out = byId("lookup-result");
    try {
      const address = virt(byId<HTMLInputElement>("address").value.trim());
      const r = lookup_address(m.kernel.init_mm, address);
      if (r.pte === null) {
        out.textContent = `lookup_address(${formatVirt(address)}) -> NULL, level ${
          PG_LEVEL_NAMES[r.level]
        }`;
      } else {
        const entry = m.kernel.mem.read(r.pte.table, r.pte.index);
        out.textContent = `lookup_address(${formatVirt(address)}) -> entry ${r.pte.index} of ` +
          `frame ${hex(r.pte.table)}, level ${PG_LEVEL_NAMES[r.level]}: ${formatEntry(entry)} ` +
          `(${describeFlags(entryFlags(entry.lo, entry.hi))})`;
      }
    } catch (e) {
      out.textContent = e instanceof Error ? e.message : String(e);
    }
  };
  byId<HTMLFormElement>("lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    showLookup();
  });
  const showWhoMaps = () => {
    const out = byId("whomaps-result");
    const text = byId<HTMLInputElement>("pfn").value.trim();
    const pfn = /^0x[0-9a-f]+$/i.test(text)
      ? parseInt(text, 16)
      : /^\d+$/.test(text)
      ? Number(text)
      : NaN;
    const limit = m.kernel.memory.maxPfn;
    if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn >= limit) {
      out.textContent = `Pfn "${text}" is not a page of this machine: a number (or 0x hex) below ${
        hex(limit)
      }`;
      return;
    }
    let maps;
    try {
      maps = m.whoMaps(pfn);
    } catch (e) {
      out.textContent = e instanceof Error ? e.message : String(e);
      return;
    }
    out.textContent = maps.length === 0
      ? `No present entry maps pfn ${hex(pfn)}.`
      : maps.map((x) =>
        `entry ${x.index} of table pfn ${x.tablePfn === null ? "?" : hex(x.tablePfn)} ` +
        `(mfn ${hex(x.tableMfn)}, ${x.tableType}${x.pinned ? ", pinned" : ""}): ` +
        `${x.writable ? "RW" : "RO"} ${describeFlags(x.flags)}`
      ).join("\n");
  };
  byId<HTMLFormElement>("whomaps").addEventListener("submit", (event) => {
    event.preventDefault();
    showWhoMaps();
  });

  render();
  if (query.run) step(() => false);
  document.body.dataset.explorerState = "ready";
}
