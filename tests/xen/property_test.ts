import assert from "node:assert/strict";
import fc from "fast-check";
import { assertInvariants, stateDigest } from "../../xen/hypervisor/mod.ts";
import {
  applyGuestRequest,
  FUZZ_NR_PAGES,
  fuzzDomain,
  guestRequestArbitrary,
} from "../../xen/fuzz/guest_request.ts";

// The generator is the library's (`xen/fuzz/`), shared with `deno task fuzz` and `soak`; here it
// runs against a Xen with both fixes, where no sequence may break an invariant.
const request = guestRequestArbitrary();

Deno.test("random guest requests never break the invariants", async (t) => {
  let requests = 0;
  let refused = 0;
  let elapsed = 0;

  await t.step("after every request checkInvariants() holds; a refused one changes nothing", () => {
    const start = performance.now();
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 80, size: "max" }),
        fc.nat(3),
        (reqs, startChoice) => {
          // One run in four starts without CR3.
          const xen = fuzzDomain(
            { nrPages: FUZZ_NR_PAGES, xsa182: "fixed", xsa148: "fixed" },
            startChoice !== 0,
          );
          for (const r of reqs) {
            const before = stateDigest(xen);
            const wasRefused = applyGuestRequest(xen, r) === "refused";
            requests++;
            assertInvariants(xen);
            const single = r.kind !== "mmu" || r.reqs.length === 1;
            if (wasRefused) {
              refused++;
              if (single) {
                assert.equal(
                  stateDigest(xen),
                  before,
                  `refused ${JSON.stringify(r)} changed the state`,
                );
              }
            }
          }
        },
      ),
      { numRuns: 330 },
    );
    elapsed = performance.now() - start;
  });

  await t.step("the run made at least 10,000 requests, refused and accepted", () => {
    assert.ok(requests >= 10_000, `only ${requests} requests`);
    assert.ok(
      refused > requests / 20 && refused < requests * 0.95,
      `${refused} of ${requests} refused`,
    );
    console.log(
      `property test: ${requests} requests (${refused} refused) in ${elapsed.toFixed(0)} ms, ${
        Math.round(requests / (elapsed / 1000))
      } requests/s with invariants and digests`,
    );
  });
});
