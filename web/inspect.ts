/**
 * Printing a `console.log` argument as Deno prints it, for the browser: the chapters' `output`
 * fences were written against Deno's console, so the in-page runner formats values the same way
 * for the cases the book prints (strings as they are; numbers, booleans, `null`, `undefined`,
 * bigints; arrays, plain objects, class instances, maps, sets and typed arrays on one line, or
 * one entry per line when that line would pass 80 columns).
 *
 * @module
 */

/** Deno's line width for breaking an object or array over lines. */
const BREAK_LENGTH = 80;

/** How deep nested objects are shown, as the chapter runner asks of `Deno.inspect`. */
const MAX_DEPTH = 4;

/**
 * Formats one `console.log` argument: a string as it is, anything else inspected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatArg("pfn"), "pfn");
 * assert.equal(formatArg({ answer: 42, name: "x" }), '{ answer: 42, name: "x" }');
 * assert.equal(formatArg([1, -0, 2n]), "[ 1, -0, 2n ]");
 * ```
 *
 * @param arg The argument.
 * @returns Its text.
 */
export function formatArg(arg: unknown): string {
  return typeof arg === "string" ? arg : inspect(arg);
}

/**
 * Inspects a value as `Deno.inspect(value, { colors: false, depth: 4 })` does for the kinds of
 * value the book prints.
 *
 * @param value The value.
 * @returns Its text.
 */
export function inspect(value: unknown): string {
  currentDepth = 0;
  return show(value, 0, new Set(), 0);
}

/**
 * The depth of the object formatted last, as Node's and Deno's `ctx.currentDepth`: an object
 * goes on one line only when fewer than three levels were formatted below it most recently.
 */
let currentDepth = 0;

/** How many entries of an array are shown (the rest are counted). */
const MAX_ARRAY_LENGTH = 100;

/** How many levels below an object still go on one line (the inspectors' `compact: 3`). */
const COMPACT = 3;

function quote(text: string): string {
  if (!text.includes('"')) return JSON.stringify(text);
  if (!text.includes("'")) return `'${text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}'`;
  return "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";
}

function key(name: string | symbol): string {
  if (typeof name === "symbol") return `[${String(name)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name);
}

function show(value: unknown, depth: number, seen: Set<object>, indent: number): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
    case "undefined":
      return String(value);
    case "symbol":
      return String(value);
    case "function":
      return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
  }
  if (value === null) return "null";
  const object = value as object;
  if (seen.has(object)) return "[Circular *1]";
  if (object instanceof Error) return object.stack ?? `${object.name}: ${object.message}`;
  if (object instanceof Date) return object.toISOString();
  if (object instanceof RegExp) return String(object);
  const ctor = Object.getPrototypeOf(object)?.constructor;
  const name: string = typeof ctor === "function" ? ctor.name : "";
  let prefix = "";
  let open = "{";
  let close = "}";
  const items: [string | null, unknown, string?][] = [];
  if (Array.isArray(object) || ArrayBuffer.isView(object)) {
    const list = object as unknown as ArrayLike<unknown>;
    open = "[";
    close = "]";
    if (!Array.isArray(object)) prefix = `${name}(${list.length}) `;
    else if (name !== "Array") prefix = `${name}(${list.length}) `;
    for (let i = 0; i < Math.min(list.length, MAX_ARRAY_LENGTH); i++) items.push([null, list[i]]);
  } else if (object instanceof Map) {
    prefix = `Map(${object.size}) `;
    for (const [k, v] of object) items.push([null, v, show(k, depth + 1, seen, indent + 2)]);
  } else if (object instanceof Set) {
    prefix = `Set(${object.size}) `;
    for (const v of object) items.push([null, v]);
  } else {
    if (name !== "Object" && name !== "") prefix = `${name} `;
    if (name === "") prefix = "[Object: null prototype] ";
    for (const k of Object.keys(object)) {
      items.push([k, (object as Record<string, unknown>)[k]]);
    }
  }
  if (items.length === 0) return `${prefix}${open}${close}`;
  if (depth >= MAX_DEPTH) return open === "[" ? "[Array]" : `[${name || "Object"}]`;
  seen.add(object);
  currentDepth = depth;
  const parts = items.map(([k, v, mapKey]) => {
    const text = show(v, depth + 1, seen, indent + 2);
    if (mapKey !== undefined) return `${mapKey} => ${text}`;
    return k === null ? text : `${key(k)}: ${text}`;
  });
  seen.delete(object);
  const isList = open === "[";
  const length = isList ? (object as unknown as ArrayLike<unknown>).length : 0;
  if (isList && length > MAX_ARRAY_LENGTH) {
    const more = length - MAX_ARRAY_LENGTH;
    parts.push(`... ${more} more item${more > 1 ? "s" : ""}`);
  }
  let output = parts;
  if (isList && parts.length > 6) {
    output = groupArrayElements(parts, indent, object as unknown as ArrayLike<unknown>, length);
  }
  // The inspectors' rule (isBelowBreakLength): the entries, a separator each, the indentation,
  // the opening brace with its prefix and ten more columns must fit the line.
  const start = output.length + indent + prefix.length + open.length + 10;
  const width = output.reduce((sum, p) => sum + p.length, 0) + output.length + start;
  if (
    output === parts && currentDepth - depth < COMPACT && width <= BREAK_LENGTH &&
    !output.some((p) => p.includes("\n"))
  ) return `${prefix}${open} ${output.join(", ")} ${close}`;
  const pad = " ".repeat(indent + 2);
  return `${prefix}${open}\n${output.map((p) => pad + p).join(",\n")}\n${
    " ".repeat(indent)
  }${close}`;
}

/**
 * Lays the entries of a long array out in columns, as the inspectors' `groupArrayElements` does
 * (Node's `util.inspect`, which Deno's console follows): numbers right-aligned, anything else
 * left-aligned, as many columns as make a roughly square block, at most 15 and at most 80 wide.
 */
function groupArrayElements(
  output: string[],
  indent: number,
  value: ArrayLike<unknown>,
  length: number,
): string[] {
  let totalLength = 0;
  let maxLength = 0;
  const outputLength = length > MAX_ARRAY_LENGTH ? output.length - 1 : output.length;
  const separatorSpace = 2;
  const dataLen: number[] = [];
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length;
    dataLen.push(len);
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (
    actualMax * 3 + indent < BREAK_LENGTH && (totalLength / actualMax > 5 || maxLength <= 6)
  ) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((BREAK_LENGTH - indent) / actualMax),
      COMPACT * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLen[j] > lineLength) lineLength = dataLen[j];
      }
      maxLineLength.push(lineLength + separatorSpace);
    }
    let numeric = true;
    for (let i = 0; i < output.length; i++) {
      if (typeof value[i] !== "number" && typeof value[i] !== "bigint") {
        numeric = false;
        break;
      }
    }
    const grouped: string[] = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let line = "";
      let j = i;
      for (; j < max - 1; j++) {
        const padding = maxLineLength[j - i];
        line += numeric
          ? `${output[j]}, `.padStart(padding, " ")
          : `${output[j]}, `.padEnd(padding, " ");
      }
      line += numeric ? output[j].padStart(maxLineLength[j - i] - separatorSpace, " ") : output[j];
      grouped.push(line);
    }
    if (length > MAX_ARRAY_LENGTH) grouped.push(output[outputLength]);
    return grouped;
  }
  return output;
}
