/**
 * Machine memory as the page-table hardware sees it: numbered 4 KiB frames, of
 * which only those that hold page-table contents store their 512 entries.
 *
 * @module
 */

import type { Entry } from "./entry.ts";
import { hexOrValue } from "./hex_or_value.ts";
import { PTRS_PER_TABLE } from "./page_64_types.ts";

/** Words (32-bit) per table: 512 entries, each as a low and a high half. */
const WORDS_PER_TABLE = PTRS_PER_TABLE * 2;
/** Tables per storage chunk: 256 tables are 1 MiB of entries. */
const TABLES_PER_CHUNK = 256;
/** Frames per page of the slot directory (2^16 frames: a 256 KiB `Int32Array`). */
const DIR_PAGE = 0x10000;

/** Zeroed storage chunks given back by {@linkcode PageTableMemory.recycle}, for reuse. */
const spareChunks: Uint32Array[] = [];
/** At most this many spare chunks are kept (256 MiB): a 1 TiB boot's tables are not held on to. */
const MAX_SPARE_CHUNKS = 256;

/** A pointer to one entry: the frame of the table that holds it and its index there. */
export interface EntryRef {
  /** The frame number of the table page. */
  readonly table: number;
  /** The entry's index in that table, 0..511. */
  readonly index: number;
}

/**
 * The frames of a machine and the entries of those that hold page tables.
 *
 * Entries live in typed arrays, never one object per entry: each table frame
 * owns 1024 words of a chunked pool (entry `i` is words `2i` (low half) and
 * `2i+1` (high half)). A frame gets storage the first time it is written as a
 * table; reading a frame that never was gives zeros, as reading a zeroed page
 * would.
 *
 * @example Write an entry and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeEntry, PAGE_KERNEL, PageTableMemory } from "@xenmmu/book";
 * const mem = new PageTableMemory(1024);
 * mem.write(7, 3, makeEntry(0x12, PAGE_KERNEL));
 * assert.deepEqual(mem.read(7, 3), makeEntry(0x12, PAGE_KERNEL));
 * assert.deepEqual(mem.read(8, 3), { lo: 0, hi: 0 });
 * assert.throws(() => mem.read(1024, 0), /Frame 0x400 is outside memory/);
 * ```
 */
export class PageTableMemory {
  /** How many frames the machine has: valid frame numbers are `0 .. frames - 1`. */
  readonly frames: number;
  /**
   * The slot directory: `#dir[floor(frame / 2^16)][frame % 2^16]` is the frame's slot + 1, or 0
   * when the frame has no storage. Pages of it exist only where tables are. (A `Map` did the same
   * with a hash lookup per table access, a measurable part of a 64 GiB boot.)
   */
  #dir: Int32Array[] = [];
  #freeSlots: number[] = [];
  #nextSlot = 0;
  #chunks: Uint32Array[] = [];
  /** One view per slot, made once: a new subarray per access would be garbage per access. */
  #views: Uint32Array[] = [];

  /**
   * Make a machine with `frames` frames, all zero.
   *
   * @param frames The number of 4 KiB frames, at least 1 (2^40 at most).
   * @throws {RangeError} When `frames` is not a whole number in range.
   */
  constructor(frames: number) {
    if (!Number.isInteger(frames) || frames < 1 || frames > 2 ** 40) {
      throw new RangeError(
        `Memory of ${frames} frames is not possible: a machine has 1 to 2^40 frames of 4 KiB`,
      );
    }
    this.frames = frames;
  }

  /**
   * Check that `frame` names a frame of this machine.
   *
   * @param frame The frame number.
   * @throws {RangeError} When it does not.
   */
  checkFrame(frame: number): void {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frames) {
      throw new RangeError(
        `Frame ${hexOrValue(frame)} is outside memory: this machine has frames 0x0..0x${
          (this.frames - 1).toString(16)
        }`,
      );
    }
  }

  /**
   * Whether `frame` holds page-table contents (has ever been written as a table
   * and not released since).
   *
   * @param frame The frame number.
   * @returns True when it has entry storage.
   */
  hasTable(frame: number): boolean {
    this.checkFrame(frame);
    return this.#slotOf(frame) >= 0;
  }

  /**
   * The 1024 words of a table frame, for code that fills whole tables at once.
   * Storage is made (zeroed) when the frame has none yet.
   *
   * @param frame The frame number.
   * @returns A live view: entry `i` is words `2i` and `2i + 1`.
   */
  table(frame: number): Uint32Array {
    this.checkFrame(frame);
    let slot = this.#slotOf(frame);
    if (slot < 0) slot = this.#allocSlot(frame);
    return this.#view(slot);
  }

  /**
   * The 1024 words of a frame that holds a table, or null when it holds none (it reads as
   * zeros): for walks, which read an entry per level and need neither storage nor an object.
   *
   * @param frame The frame number.
   * @returns A live view, or null.
   */
  existingTable(frame: number): Uint32Array | null {
    this.checkFrame(frame);
    const slot = this.#slotOf(frame);
    return slot < 0 ? null : this.#view(slot);
  }

  /**
   * Read one entry.
   *
   * @param frame The table's frame number.
   * @param index The entry index, 0..511.
   * @returns The entry (zero when the frame holds no table).
   */
  read(frame: number, index: number): Entry {
    checkIndex(index);
    const words = this.existingTable(frame);
    return words === null ? { lo: 0, hi: 0 } : { lo: words[2 * index], hi: words[2 * index + 1] };
  }

  /**
   * Write one entry, giving the frame table storage if it has none.
   *
   * @param frame The table's frame number.
   * @param index The entry index, 0..511.
   * @param entry The new entry.
   */
  write(frame: number, index: number, entry: Entry): void {
    checkIndex(index);
    checkHalf(entry.lo, "low");
    checkHalf(entry.hi, "high");
    const words = this.table(frame);
    words[2 * index] = entry.lo;
    words[2 * index + 1] = entry.hi;
  }

  /**
   * Drop a frame's table storage: the frame reads as zeros again, and its
   * storage is reused for the next new table.
   *
   * @param frame The frame number.
   */
  release(frame: number): void {
    this.checkFrame(frame);
    const slot = this.#slotOf(frame);
    if (slot < 0) return;
    this.#view(slot).fill(0);
    this.#dir[Math.floor(frame / DIR_PAGE)][frame % DIR_PAGE] = 0;
    this.#freeSlots.push(slot);
  }

  /**
   * Give this memory's table storage, zeroed, to the next machine made, once nothing will read
   * this one again: a sweep makes thousands of machines, and fresh storage costs a page fault
   * per 4 KiB at its first touch. Afterwards this memory is empty.
   */
  recycle(): void {
    for (const chunk of this.#chunks) {
      if (spareChunks.length < MAX_SPARE_CHUNKS) spareChunks.push(chunk.fill(0));
    }
    this.#chunks = [];
    this.#views = [];
    this.#dir = [];
    this.#freeSlots = [];
    this.#nextSlot = 0;
  }

  /**
   * The frames that hold page-table contents, in increasing order.
   *
   * @returns Their frame numbers.
   */
  tableFrames(): number[] {
    const frames: number[] = [];
    // the directory is sparse: its keys, which come in ascending order, not every index below
    // the highest (one table near frame 2^40 would make that 2^24 steps)
    for (const key of Object.keys(this.#dir)) {
      const d = Number(key);
      const page = this.#dir[d];
      for (let i = 0; i < DIR_PAGE; i++) if (page[i] !== 0) frames.push(d * DIR_PAGE + i);
    }
    return frames;
  }

  /** The frame's slot, or -1 when it has no storage. */
  #slotOf(frame: number): number {
    const page = this.#dir[Math.floor(frame / DIR_PAGE)];
    return page === undefined ? -1 : page[frame % DIR_PAGE] - 1;
  }

  #allocSlot(frame: number): number {
    const slot = this.#freeSlots.pop() ?? this.#nextSlot++;
    const chunk = Math.floor(slot / TABLES_PER_CHUNK);
    while (this.#chunks.length <= chunk) {
      this.#chunks.push(spareChunks.pop() ?? new Uint32Array(TABLES_PER_CHUNK * WORDS_PER_TABLE));
    }
    const d = Math.floor(frame / DIR_PAGE);
    (this.#dir[d] ??= new Int32Array(DIR_PAGE))[frame % DIR_PAGE] = slot + 1;
    return slot;
  }

  #view(slot: number): Uint32Array {
    let view = this.#views[slot];
    if (view === undefined) {
      const chunk = this.#chunks[Math.floor(slot / TABLES_PER_CHUNK)];
      const start = (slot % TABLES_PER_CHUNK) * WORDS_PER_TABLE;
      view = chunk.subarray(start, start + WORDS_PER_TABLE);
      this.#views[slot] = view;
    }
    return view;
  }
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= PTRS_PER_TABLE) {
    throw new RangeError(
      `Entry index ${index} is out of range: a page table holds entries 0..511`,
    );
  }
}

function checkHalf(half: number, which: string): void {
  if (!Number.isInteger(half) || half < 0 || half > 0xffffffff) {
    throw new RangeError(
      `Entry ${which} half ${half} is not an unsigned 32-bit number`,
    );
  }
}
