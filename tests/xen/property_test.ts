import assert from "node:assert/strict";
import fc from "fast-check";
import type { Entry } from "../../mmu/entry.ts";
import {
  assertInvariants,
  do_mmu_update,
  do_mmuext_op,
  do_update_va_mapping,
  guestWrite,
  MMU_PT_UPDATE_PRESERVE_AD,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_NEW_USER_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_UNPIN_TABLE,
  stateDigest,
  type Xen,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e } from "./_machine.ts";

/** One guest request, with frames named by pfn so that runs shrink readably. */
type Request =
  | { kind: "pin"; level: number; pfn: number }
  | { kind: "unpin"; pfn: number }
  | { kind: "baseptr"; pfn: number }
  | { kind: "userbase"; pfn: number | null }
  | { kind: "flush" }
  | { kind: "mmu"; reqs: { pfn: number; index: number; ad: boolean; val: Val }[] }
  | { kind: "uvm"; va: number; val: Val; flags: number }
  | { kind: "store"; va: number; val: Val };

/** An entry value: a frame (a pfn of the domain, or one it does not own) and flags. */
interface Val {
  frame: number;
  flags: number;
}

const NR_PAGES = 24;
const UNOWNED = -1; // a machine frame outside the domain
const OUTSIDE = -2; // a frame beyond the machine

const pfn = fc.integer({ min: 0, max: NR_PAGES - 1 });
const frame = fc.oneof(
  { weight: 30, arbitrary: pfn },
  { weight: 1, arbitrary: fc.constantFrom(UNOWNED, OUTSIDE) },
);
// Mostly the flags Linux uses, sometimes one Xen refuses somewhere.
const flags = fc.tuple(
  fc.boolean(),
  fc.boolean(),
  fc.constantFrom(0, 0x20, 0x60, 0x04, 0x64),
  fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, {
    weight: 1,
    arbitrary: fc.constantFrom(0x08, 0x10, 0x80, 0x100, 0x80000000, 0x200),
  }),
  fc.nat(9),
).map(([p, rw, ad, extra, notPresent]) =>
  ((notPresent === 0 ? 0 : p || notPresent > 1 ? 1 : 0) | (rw ? 2 : 0) | ad | extra) >>> 0
);
const val = fc.record({ frame, flags });
const index = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }) },
  { weight: 1, arbitrary: fc.constantFrom(260, 511) },
);
// Virtual addresses whose indices stay small, so random entries meet; most of them in the first
// 2 MiB, which the bootstrap L1 maps.
const offset = fc.integer({ min: 0, max: 3 }).map((o) => o * 8);
const page = fc.integer({ min: 0, max: 15 }).map((t) => t * 4096);
const va = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(page, offset).map(([p, o]) => p + o) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 2 }),
      page,
      offset,
    ).map(([g, u, d, p, o]) => g * 2 ** 39 + u * 2 ** 30 + d * 2 ** 21 + p + o),
  },
);

const request: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("pin" as const),
      level: fc.integer({ min: 1, max: 4 }),
      pfn,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unpin" as const), pfn }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("baseptr" as const), pfn }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("userbase" as const), pfn: fc.option(pfn) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("mmu" as const),
      reqs: fc.array(fc.record({ pfn, index, ad: fc.boolean(), val }), {
        minLength: 1,
        maxLength: 3,
      }).map((a) => a.length > 1 && a[0].index % 5 === 0 ? a : a.slice(0, 1)),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("uvm" as const),
      va,
      val,
      flags: fc.constantFrom(0, 1, 2, 5, 6),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("store" as const), va, val }) },
);

function entry(xen: Xen, v: Val): Entry {
  const mfn = v.frame === UNOWNED
    ? xen.firstMfn + NR_PAGES + 2
    : v.frame === OUTSIDE
    ? xen.mem.frames + 5
    : xen.pfnToMfn(v.frame);
  return e(mfn, v.flags);
}

/** Apply one request; true when Xen refused it. */
function apply(xen: Xen, r: Request): boolean {
  const m = (p: number) => xen.pfnToMfn(p);
  switch (r.kind) {
    case "pin":
      return do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE + r.level - 1, mfn: m(r.pfn) }]) !== 0;
    case "unpin":
      return do_mmuext_op(xen, [{ cmd: MMUEXT_UNPIN_TABLE, mfn: m(r.pfn) }]) !== 0;
    case "baseptr":
      return do_mmuext_op(xen, [{ cmd: MMUEXT_NEW_BASEPTR, mfn: m(r.pfn) }]) !== 0;
    case "userbase":
      return do_mmuext_op(xen, [{
        cmd: MMUEXT_NEW_USER_BASEPTR,
        mfn: r.pfn === null ? 0 : m(r.pfn),
      }]) !==
        0;
    case "flush":
      return do_mmuext_op(xen, [{ cmd: MMUEXT_TLB_FLUSH_LOCAL }]) !== 0;
    case "mmu":
      return do_mmu_update(
        xen,
        r.reqs.map((q) => ({
          ptr: m(q.pfn) * 4096 + q.index * 8 + (q.ad ? MMU_PT_UPDATE_PRESERVE_AD : 0),
          val: entry(xen, q.val),
        })),
      ) !== 0;
    case "uvm":
      return do_update_va_mapping(xen, r.va, entry(xen, r.val), r.flags) !== 0;
    case "store":
      return guestWrite(xen, r.va, entry(xen, r.val)).kind === "fault";
  }
}

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
          const { xen } = bootstrap(
            { nrPages: NR_PAGES, xsa182: "fixed", xsa148: "fixed" },
            startChoice !== 0,
          );
          for (const r of reqs) {
            const before = stateDigest(xen);
            const wasRefused = apply(xen, r);
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
