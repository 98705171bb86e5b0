/**
 * Random guest requests, and the two long runs built on them: the fuzzer
 * that hunts the XSA-148 and XSA-182 holes, and the soak.
 *
 * @module
 */

export * from "./guest_request.ts";
export * from "./fuzz_xsa.ts";
export * from "./soak.ts";
