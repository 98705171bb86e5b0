/**
 * One worker of `deno task sweep`: boots the sizes it is sent and posts back their points.
 *
 * @module
 */

import { type SweepPoint, sweepPoint } from "../boot/sweep.ts";

/** A batch of sizes to boot (MiB). */
export interface SweepTask {
  /** The batch's index, echoed in the reply. */
  readonly batch: number;
  /** The profile. */
  readonly kernel: string;
  /** `xen` or `native`. */
  readonly hypervisor: "xen" | "native";
  /** The sizes, in MiB. */
  readonly sizes: readonly number[];
}

/** What a worker posts back for a batch. */
export interface SweepReply {
  /** The batch's index. */
  readonly batch: number;
  /** One point per size, in the batch's order. */
  readonly points: readonly SweepPoint[];
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = (e: MessageEvent<SweepTask>) => {
  const { batch, kernel, hypervisor, sizes } = e.data;
  const points = sizes.map((mib) => sweepPoint(kernel, mib, hypervisor));
  scope.postMessage({ batch, points } satisfies SweepReply);
};
