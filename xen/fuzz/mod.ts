/**
 * Random guest requests, and the two long runs built on them: the fuzzer
 * that hunts the XSA-148 and XSA-182 holes, and the soak.
 *
 * @module
 */

// guestRequestArbitrary stays out of the package's API: its type is fast-check's. Import it from
// ./guest_request.ts.
export {
  applyGuestRequest,
  type ApplyOptions,
  formatGuestRequest,
  FUZZ_NR_PAGES,
  fuzzDomain,
  guestEntry,
  type GuestRequest,
  type GuestRequestOptions,
  type GuestValue,
  isLinearEntry,
  OUTSIDE_FRAME,
  type RequestPath,
  SELF_FRAME,
  UNOWNED_FRAME,
} from "./guest_request.ts";
export * from "./fuzz_xsa.ts";
export * from "./soak.ts";
