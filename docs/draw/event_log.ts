/**
 * `EventLog`: a boot's events as typed arrays, one slot per event, so that a boot of hundreds of
 * thousands of events records in a few megabytes.
 *
 * @module
 */

import { EVENT_KINDS } from "../../boot/stop_at.ts";
import type { BootEvent } from "../../boot/kernel.ts";

/** One event, reduced to what a timeline draws. */
export interface RecordedEvent {
  /** The event's kind. */
  readonly kind: BootEvent["kind"];
  /** The pfn it concerns (alloc_low_page, map_low_page, pv_alloc, early_alloc), else -1. */
  readonly pfn: number;
  /** `pgt_buf.end` right after the event. */
  readonly bufEnd: number;
  /** The mapping front: one past the last pfn of the latest `chunk` event (0 before any). */
  readonly front: number;
  /** The hypercall's return code (hypercall events), else 0. */
  readonly rc: number;
}

// an event kind is stored as its index in this list
const KINDS = EVENT_KINDS;

/**
 * The events of one boot, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventLog } from "./mod.ts";
 * const log = new EventLog();
 * log.push({ kind: "chunk", pfn: -1, bufEnd: 0x3fdfe, front: 0x200, rc: 0 });
 * assert.equal(log.get(0).front, 0x200);
 * assert.equal(log.count((e) => e.kind === "chunk"), 1);
 * ```
 */
export class EventLog {
  #length = 0;
  #kind = new Uint8Array(1024);
  #pfn = new Int32Array(1024);
  #bufEnd = new Int32Array(1024);
  #front = new Int32Array(1024);
  #rc = new Int32Array(1024);

  /** How many events. */
  get length(): number {
    return this.#length;
  }

  /**
   * Add an event at the end.
   *
   * @param e The event.
   * @throws {RangeError} For a kind the log does not know.
   */
  push(e: RecordedEvent): void {
    const kind = KINDS.indexOf(e.kind);
    if (kind < 0) throw new RangeError(`Event kind "${e.kind}" is not one of ${KINDS.join(", ")}`);
    if (this.#length === this.#kind.length) this.#grow();
    const i = this.#length++;
    this.#kind[i] = kind;
    this.#pfn[i] = e.pfn;
    this.#bufEnd[i] = e.bufEnd;
    this.#front[i] = e.front;
    this.#rc[i] = e.rc;
  }

  /**
   * The event at `i`.
   *
   * @param i Its index, from 0.
   * @returns The event.
   * @throws {RangeError} When there is no event `i`.
   */
  get(i: number): RecordedEvent {
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) {
      throw new RangeError(`Event ${i} does not exist: the log has ${this.#length}`);
    }
    return {
      kind: KINDS[this.#kind[i]],
      pfn: this.#pfn[i],
      bufEnd: this.#bufEnd[i],
      front: this.#front[i],
      rc: this.#rc[i],
    };
  }

  /**
   * Call `fn` with every event and its index, in order.
   *
   * @param fn The callback.
   */
  forEach(fn: (e: RecordedEvent, i: number) => void): void {
    for (let i = 0; i < this.#length; i++) fn(this.get(i), i);
  }

  /**
   * How many events satisfy `match`.
   *
   * @param match The predicate.
   * @returns The count.
   */
  count(match: (e: RecordedEvent) => boolean): number {
    let n = 0;
    this.forEach((e) => {
      if (match(e)) n++;
    });
    return n;
  }

  /**
   * The last event that satisfies `match`.
   *
   * @param match The predicate.
   * @returns The event, or undefined.
   */
  findLast(match: (e: RecordedEvent) => boolean): RecordedEvent | undefined {
    for (let i = this.#length - 1; i >= 0; i--) {
      const e = this.get(i);
      if (match(e)) return e;
    }
    return undefined;
  }

  #grow(): void {
    const size = this.#kind.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.#kind = grown(this.#kind, (n) => new Uint8Array(n));
    this.#pfn = grown(this.#pfn, (n) => new Int32Array(n));
    this.#bufEnd = grown(this.#bufEnd, (n) => new Int32Array(n));
    this.#front = grown(this.#front, (n) => new Int32Array(n));
    this.#rc = grown(this.#rc, (n) => new Int32Array(n));
  }
}
