/// <reference lib="dom" />
/**
 * The light/dark switch: the page follows the system's choice until the reader picks one, which
 * is remembered (`localStorage`, when the browser allows it).
 *
 * @module
 */

/** The themes the switch cycles through. */
const THEMES = ["auto", "light", "dark"] as const;

/** Wires the button `#theme` to the `data-theme` attribute of the root element. */
export function initTheme(): void {
  const button = document.getElementById("theme");
  if (button === null) return;
  const root = document.documentElement;
  const show = () => {
    button.textContent = `Theme: ${root.dataset.theme ?? "auto"}`;
  };
  show();
  button.addEventListener("click", () => {
    const now = THEMES.indexOf((root.dataset.theme ?? "auto") as typeof THEMES[number]);
    const next = THEMES[(now + 1) % THEMES.length];
    root.dataset.theme = next;
    try {
      localStorage.setItem("xenmmu-theme", next);
    } catch {
      // Storage can be off (private windows, some file:// settings): the switch still works.
    }
    show();
  });
}
