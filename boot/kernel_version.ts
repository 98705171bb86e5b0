/**
 * The Linux releases whose early boot this folder mirrors.
 *
 * @module
 */

/**
 * A Linux release whose early-boot code this model mirrors: 2.6.38 (low page-table window,
 * balloon region right after the domain's memory), 2.6.39 (high window, balloon region at
 * 4 GiB or above) or 3.9 (no window: `init_mem_mapping` maps top-down with tables from a BRK
 * seed and from memory it has just mapped; a domU's balloon region again right after its
 * memory).
 */
export type KernelVersion = "2.6.38" | "2.6.39" | "3.9";

/** Every {@linkcode KernelVersion}, oldest first. */
export const KERNEL_VERSIONS: readonly KernelVersion[] = ["2.6.38", "2.6.39", "3.9"];

/**
 * Check that a value names a {@linkcode KernelVersion}.
 *
 * @param value What the caller passed.
 * @returns The value, typed.
 * @throws {RangeError} When it is not one of {@linkcode KERNEL_VERSIONS}.
 */
export function checkKernelVersion(value: unknown): KernelVersion {
  if (typeof value === "string" && (KERNEL_VERSIONS as readonly string[]).includes(value)) {
    return value as KernelVersion;
  }
  throw new RangeError(
    `Kernel version ${JSON.stringify(value)} is unknown: it must be one of ${
      KERNEL_VERSIONS.join(", ")
    }`,
  );
}
