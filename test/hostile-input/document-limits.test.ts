/**
 * Hostile GraphQL documents: depth, width, repeated fields and aliases beyond the limits are refused
 * with a stable code before anything reaches the OMS, and the gateway keeps serving.
 */
import { describe, expect, it } from "vitest";
import {
  COMMAND,
  expectRefused,
  expectRefusedAll,
  hostileGateway,
  postJson,
} from "../helpers/hostile-requests.js";

describe("hostile requests to /graphql", () => {
  const gw = hostileGateway();

  describe("document limits", () => {
    const nested = (levels: number, inner: string) =>
      `${"... on Query { ".repeat(levels)}${inner}${" }".repeat(levels)}`;

    it("refuses a deep query (13 nested fragments around a package read): 400 MAX_DEPTH_EXCEEDED, no OMS call", async () => {
      const res = await postJson(gw.h, { query: `{ ${nested(12, 'package(id: "1001") { id }')} }` });

      expectRefused(
        res,
        400,
        "MAX_DEPTH_EXCEEDED",
        /^Syntax Error: Query depth limit of 12 exceeded, found 14\./,
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("runs a query at the depth limit (12)", async () => {
      const res = await postJson(gw.h, { query: `{ ${nested(10, 'package(id: "1001") { id }')} }` });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
    });

    it("refuses 100 levels of nesting within the token limit: 400 MAX_COST_EXCEEDED and MAX_DEPTH_EXCEEDED", async () => {
      const res = await postJson(gw.h, { query: `{ ${nested(100, "__typename")} }` });

      expectRefusedAll(res, 400, ["MAX_COST_EXCEEDED", "MAX_DEPTH_EXCEEDED"]);
      expect(res.body.errors?.[1]?.message).toBe(
        "Syntax Error: Query depth limit of 12 exceeded, found 101.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses 950 levels of nesting before parsing: 400 MAX_DEPTH_EXCEEDED", async () => {
      const res = await postJson(gw.h, { query: `{ ${nested(950, "__typename")} }` });

      expectRefusedAll(res, 400, ["MAX_DEPTH_EXCEEDED"]);
      expect(res.body.errors?.[0]?.message).toBe("The document nests deeper than 128 levels.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses 20 000 unclosed selections with a limit code, not by exhausting the parser's stack", async () => {
      // About 2 200 levels overflow graphql-js's recursive parser, before the 5 000th token is
      // counted; the refusal must still be one of the limits callers can switch on.
      const res = await postJson(gw.h, { query: "{ a ".repeat(20_000) });

      expect(res.status, res.text).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.message).not.toContain("call stack");
      expect(["MAX_TOKENS_EXCEEDED", "MAX_DEPTH_EXCEEDED"]).toContain(res.body.errors?.[0]?.extensions?.code);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a wide query (1000 package fields): 400 MAX_TOKENS_EXCEEDED, no OMS call", async () => {
      const fields = Array.from({ length: 1000 }, (_, i) => `package(id: "${2000 + i}") { id }`);
      const res = await postJson(gw.h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_TOKENS_EXCEEDED",
        /^Syntax Error: Document contains more tha[nt] 5000 tokens/,
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("merges 100 copies of one field into one field and one OMS read", async () => {
      const res = await postJson(gw.h, { query: `{ ${'package(id: "1001") { id } '.repeat(100)} }` });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
      expect(gw.h.sim.requests.map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/"]);
    });

    it("refuses 500 copies of one field within the token limit before validation: MAX_SELECTIONS_EXCEEDED", async () => {
      // Checking that same-named fields can merge compares them in pairs; the selection set is
      // measured first, so those comparisons never start.
      const res = await postJson(gw.h, { query: `{ ${'package(id: "1001") { id } '.repeat(500)} }` });

      expectRefused(
        res,
        400,
        "MAX_SELECTIONS_EXCEEDED",
        "One selection set of the document holds 500 fields; at most 128 are allowed.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses an alias flood (101 aliased package reads): 400 MAX_ALIASES_EXCEEDED, no OMS call", async () => {
      const fields = Array.from({ length: 101 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id }`);
      const res = await postJson(gw.h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_ALIASES_EXCEEDED",
        "The document uses 101 aliases; at most 100 are allowed.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("counts aliases inside fragments each time the fragment is spread", async () => {
      const aliases = Array.from({ length: 60 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id }`);
      const res = await postJson(gw.h, {
        query: `{ ...A ... on Query { ...A } } fragment A on Query { ${aliases.join(" ")} }`,
      });

      expectRefused(res, 400, "MAX_ALIASES_EXCEEDED");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses two aliased commands in one operation: 400 TOO_MANY_MUTATION_FIELDS, no command", async () => {
      const input = '{ packageId: "1001", cargoCompanyId: "2", trackingNumber: "A", transitionId: 41 }';
      const res = await postJson(gw.h, {
        query: `mutation { a: updatePackageShipment(input: ${input}) { __typename } b: updatePackageShipment(input: ${input}) { __typename } }`,
      });

      expectRefused(res, 400, "TOO_MANY_MUTATION_FIELDS");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses aliased commands hidden in a fragment: 400 TOO_MANY_MUTATION_FIELDS, no command", async () => {
      const input = '{ packageId: "1001", cargoCompanyId: "2", trackingNumber: "A", transitionId: 41 }';
      const res = await postJson(gw.h, {
        query: `mutation { ...M } fragment M on Mutation { a: updatePackageShipment(input: ${input}) { __typename } ... on Mutation { b: updatePackageShipment(input: ${input}) { __typename } } }`,
      });

      expectRefused(res, 400, "TOO_MANY_MUTATION_FIELDS");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a directive flood (21 fields with @include): 400 MAX_DIRECTIVES_EXCEEDED, no OMS call", async () => {
      const fields = Array.from(
        { length: 21 },
        (_, i) => `p${i}: package(id: "${2000 + i}") @include(if: true) { id }`,
      );
      const res = await postJson(gw.h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_DIRECTIVES_EXCEEDED",
        /^Syntax Error: Directives limit of 20 exceeded, found 21\./,
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a thousand unknown directives on one field: 400 MAX_DIRECTIVES_EXCEEDED first, then at most 100 errors", async () => {
      const res = await postJson(gw.h, { query: `{ package(id: "1001") ${"@x ".repeat(1000)} { id } }` });

      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      const errors = res.body.errors ?? [];
      expect(errors[0]).toStrictEqual({
        message: "Syntax Error: Directives limit of 20 exceeded, found 1000.",
        extensions: { code: "MAX_DIRECTIVES_EXCEEDED" },
      });
      // graphql-js stops collecting at 100 validation errors, so the answer stays small.
      expect(errors.map((e) => `${e.extensions?.code} ${e.message}`).slice(1)).toStrictEqual([
        ...Array.from({ length: 99 }, () => 'GRAPHQL_VALIDATION_FAILED Unknown directive "@x".'),
        "GRAPHQL_VALIDATION_FAILED Too many validation errors, error limit reached. Validation aborted.",
      ]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it.each([
      [
        "two fragments spreading each other",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        'Cannot spread fragment "A" within itself via "B".',
      ],
      [
        "a fragment spreading itself",
        "{ ...A } fragment A on Query { __typename ...A }",
        'Cannot spread fragment "A" within itself.',
      ],
      [
        "a cycle among mutation fragments",
        `mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { ...A ${COMMAND.slice(11, -2)} }`,
        'Cannot spread fragment "A" within itself via "B".',
      ],
    ])("refuses %s: 400 GRAPHQL_VALIDATION_FAILED, no OMS call", async (_, query, message) => {
      const res = await postJson(gw.h, { query });

      expect(res.status, res.text).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(
        res.body.errors?.map(() => "GRAPHQL_VALIDATION_FAILED"),
      );
      expect(res.body.errors?.map((e) => e.message)).toContain(message);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses 1500 fragments: 400 MAX_TOKENS_EXCEEDED, no OMS call", async () => {
      const names = Array.from({ length: 1500 }, (_, i) => `F${i}`);
      const query = `{ ${names.map((n) => `...${n}`).join(" ")} } ${names.map((n) => `fragment ${n} on Query { __typename }`).join(" ")}`;
      expect(Buffer.byteLength(JSON.stringify({ query }))).toBeLessThan(100_000);
      const res = await postJson(gw.h, { query });

      expectRefused(res, 400, "MAX_TOKENS_EXCEEDED");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses fragments that double at each of 30 levels (2^30 fields) promptly: MAX_FIELDS_EXCEEDED", async () => {
      const fragments = Array.from(
        { length: 30 },
        (_, i) => `fragment F${i + 1} on Query { ...F${i} ... on Query { ...F${i} } }`,
      );
      const query = `{ ...F30 } fragment F0 on Query { package(id: "1001") { id } } ${fragments.join(" ")}`;
      // Expanding them would take far longer than the test's timeout: an answer at all shows that the
      // fields were counted without expanding the fragments.
      const res = await postJson(gw.h, { query });

      expectRefusedAll(res, 400, ["MAX_FIELDS_EXCEEDED"]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });
  });
});
