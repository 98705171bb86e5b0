/**
 * The part of `node:assert/strict` the chapters use, for the browser: the chapters import
 * `assert` from `node:assert/strict`, which a browser cannot load, so the in-page runner hands
 * them this module instead. Equality is strict (`Object.is`, and deep equality that compares
 * prototypes and every own enumerable key), as in the strict mode of Node's module.
 *
 * @module
 */

/** What a failed assertion throws, named as Node names it. */
export class AssertionError extends Error {
  /** Node's error code for a failed assertion. */
  readonly code: string = "ERR_ASSERTION";

  /**
   * Creates the error.
   *
   * @param message What did not hold.
   */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** A short, one-line picture of a value for a failure message. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
  try {
    const text = JSON.stringify(value, (_, v) => typeof v === "bigint" ? `${v}n` : v);
    return text === undefined ? String(value) : text.length > 200 ? text.slice(0, 199) + "…" : text;
  } catch {
    return String(value);
  }
}

function fail(message: string | Error | undefined, fallback: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback);
}

/** Deep strict equality, the rule of `assert.deepStrictEqual`. */
function isDeepEqual(a: unknown, b: unknown, seen: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [k, v] of a) if (!m.has(k) || !isDeepEqual(v, m.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    const s = b as Set<unknown>;
    if (a.size !== s.size) return false;
    for (const v of a) if (!s.has(v)) return false;
    return true;
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (
      !isDeepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen)
    ) return false;
  }
  return true;
}

/**
 * Asserts that a value is truthy.
 *
 * @param value The value.
 * @param message The message of the error, or the error to throw.
 */
export function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) fail(message, `The expression evaluated to a falsy value: ${show(value)}`);
}

/**
 * Asserts `Object.is(actual, expected)`.
 *
 * @param actual What the code produced.
 * @param expected What it should be.
 * @param message The message of the error, or the error to throw.
 */
export function equal<T>(
  actual: unknown,
  expected: T,
  message?: string | Error,
): asserts actual is T {
  if (!Object.is(actual, expected)) {
    fail(message, `Expected values to be strictly equal:\n${show(actual)} !== ${show(expected)}`);
  }
}

/**
 * Asserts `!Object.is(actual, expected)`.
 *
 * @param actual What the code produced.
 * @param expected What it should not be.
 * @param message The message of the error, or the error to throw.
 */
export function notEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (Object.is(actual, expected)) {
    fail(message, `Expected "actual" to be strictly unequal to: ${show(expected)}`);
  }
}

/**
 * Asserts deep strict equality.
 *
 * @param actual What the code produced.
 * @param expected What it should be.
 * @param message The message of the error, or the error to throw.
 */
export function deepEqual<T>(actual: unknown, expected: T, message?: string | Error): void {
  if (!isDeepEqual(actual, expected, new Map())) {
    fail(
      message,
      `Expected values to be strictly deep-equal:\n${show(actual)}\nshould equal\n${
        show(expected)
      }`,
    );
  }
}

/**
 * Asserts that two values are not deeply strictly equal.
 *
 * @param actual What the code produced.
 * @param expected What it should not be.
 * @param message The message of the error, or the error to throw.
 */
export function notDeepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (isDeepEqual(actual, expected, new Map())) {
    fail(message, `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`);
  }
}

/**
 * Asserts that a string matches a regular expression.
 *
 * @param text The string.
 * @param pattern The expression.
 * @param message The message of the error, or the error to throw.
 */
export function match(text: string, pattern: RegExp, message?: string | Error): void {
  if (typeof text !== "string" || !pattern.test(text)) {
    fail(
      message,
      `The input did not match the regular expression ${pattern}. Input: ${show(text)}`,
    );
  }
}

/** What `throws` accepts as the expected error. */
export type ErrorExpectation =
  | RegExp
  | (new (...args: never[]) => unknown)
  | ((error: unknown) => boolean)
  | Record<string, unknown>;

function checkError(
  error: unknown,
  expected: ErrorExpectation | undefined,
  message?: string,
): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    // As Node does: the pattern is tested against the error's string form ("Name: message").
    const text = String(error);
    if (!expected.test(text)) {
      fail(message, `The error did not match ${expected}. Error: ${show(text)}`);
    }
    return;
  }
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) {
      return;
    }
    if (expected === Error || Object.prototype.isPrototypeOf.call(Error, expected)) {
      fail(message, `The error is expected to be an instance of "${expected.name}"`);
    }
    if ((expected as (e: unknown) => boolean)(error) === true) return;
    fail(message, "The validation function is expected to return true");
  }
  for (const [key, value] of Object.entries(expected)) {
    const got = (error as Record<string, unknown>)[key];
    const same = value instanceof RegExp && typeof got === "string"
      ? value.test(got)
      : isDeepEqual(got, value, new Map());
    if (!same) fail(message, `The error's "${key}" is ${show(got)}, expected ${show(value)}`);
  }
}

/**
 * Asserts that a function throws, and that the error meets an expectation.
 *
 * @param fn The function.
 * @param expected A class, a pattern, a validation function or an object of expected properties.
 * @param message The message of the error.
 */
export function throws(
  fn: () => unknown,
  expected?: ErrorExpectation | string,
  message?: string,
): void {
  if (typeof expected === "string") {
    message = expected;
    expected = undefined;
  }
  try {
    fn();
  } catch (error) {
    checkError(error, expected, message);
    return;
  }
  fail(message, "Missing expected exception.");
}

/**
 * Asserts that a promise (or the promise of a function) rejects.
 *
 * @param promise The promise, or a function returning it.
 * @param expected As for {@linkcode throws}.
 * @param message The message of the error.
 */
export async function rejects(
  promise: Promise<unknown> | (() => Promise<unknown>),
  expected?: ErrorExpectation,
  message?: string,
): Promise<void> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    checkError(error, expected, message);
    return;
  }
  fail(message, "Missing expected rejection.");
}

/** The module as the chapters see it: `assert` is callable and carries the functions. */
export interface StrictAssert {
  /** Same as {@linkcode ok}. */
  (value: unknown, message?: string | Error): asserts value;
  /** {@linkcode ok}. */
  ok: typeof ok;
  /** {@linkcode equal}. */
  equal: typeof equal;
  /** {@linkcode equal}. */
  strictEqual: typeof equal;
  /** {@linkcode notEqual}. */
  notEqual: typeof notEqual;
  /** {@linkcode notEqual}. */
  notStrictEqual: typeof notEqual;
  /** Deep strict equality. */
  deepEqual: typeof deepEqual;
  /** Deep strict equality. */
  deepStrictEqual: typeof deepEqual;
  /** {@linkcode notDeepEqual}. */
  notDeepEqual: typeof notDeepEqual;
  /** {@linkcode match}. */
  match: typeof match;
  /** {@linkcode throws}. */
  throws: typeof throws;
  /** {@linkcode rejects}. */
  rejects: typeof rejects;
  /** Fails unconditionally. */
  fail: (message?: string) => never;
  /** The error class. */
  AssertionError: typeof AssertionError;
}

/** `node:assert/strict`'s default export, for the browser. */
export const strictAssert: StrictAssert = Object.assign(
  (value: unknown, message?: string | Error): asserts value => ok(value, message),
  {
    ok,
    equal,
    strictEqual: equal,
    notEqual,
    notStrictEqual: notEqual,
    deepEqual: deepEqual,
    deepStrictEqual: deepEqual,
    notDeepEqual,
    match,
    throws,
    rejects,
    fail: (message?: string): never => fail(message, "Failed"),
    AssertionError,
  },
);
