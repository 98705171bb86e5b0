/**
 * `panic()`: the kernel stops with a message.
 *
 * @module
 */

/**
 * An explicit `panic()` of the modelled kernel, e.g. "Cannot find space for the kernel page
 * tables". The message is the kernel's text, without the "Kernel panic - not syncing: " prefix
 * the kernel adds when it prints it (see {@linkcode KernelPanic.line}).
 */
export class KernelPanic extends Error {
  /** Create a panic carrying the kernel's message. */
  constructor(message: string) {
    super(message);
    this.name = "KernelPanic";
  }

  /** The line the kernel prints for this panic. */
  get line(): string {
    return panicLine(this.message);
  }
}

/**
 * The line `panic(fmt)` prints: `Kernel panic - not syncing: ` and the message.
 *
 * @param message The panic's message.
 * @returns The line.
 */
export function panicLine(message: string): string {
  return `Kernel panic - not syncing: ${message}`;
}
