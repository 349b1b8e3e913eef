/**
 * Operations run on graphql-jit (src/graphql/jit-executor.ts): an operation that keeps coming back
 * is compiled once and its compiled code runs it from then on, and every answer, errors included,
 * is the one graphql-js gave before.
 */
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { CompilerOptions } from "graphql-jit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { COMPILE_AFTER_RUNS, MAX_COMPILED_FIELDS } from "../src/graphql/jit-executor.js";
import { type Harness, startHarness } from "./helpers/harness.js";

// Every compilation, with how many times its compiled code has run.
const compilations = vi.hoisted(() => [] as Array<{ source: string; runs: number }>);

vi.mock("graphql-jit", async (importOriginal) => {
  const jit = await importOriginal<typeof import("graphql-jit")>();
  return {
    ...jit,
    compileQuery(
      schema: GraphQLSchema,
      document: DocumentNode,
      operationName?: string,
      options?: Partial<CompilerOptions>,
    ) {
      const compiled = jit.compileQuery(schema, document, operationName, options);
      if (jit.isCompiledQuery(compiled)) {
        const entry = { source: document.loc?.source.body ?? "", runs: 0 };
        compilations.push(entry);
        const query = compiled.query;
        compiled.query = (root, context, variables) => {
          entry.runs++;
          return query(root, context, variables);
        };
      }
      return compiled;
    },
  };
});

/** Runs of compiled code for this document text, over all compilations of it so far. */
function runsOf(source: unknown): number {
  return compilations.filter((c) => c.source === source).reduce((sum, c) => sum + c.runs, 0);
}

const ROUTER_SECRET = "router-secret-for-jit-tests";

const UPDATE =
  "mutation Update($input: UpdatePackageShipmentInput!) { updatePackageShipment(input: $input) { __typename ... on ShipmentUpdated { shipment { trackingNumber } } } }";

const UPDATE_ALL = `mutation UpdateAll($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated {
      shipment { trackingNumber queryNumber cargoCompany { id name } }
      package { id status statusName shipment { trackingNumber } }
    }
    ... on MutationError { message }
    ... on ValidationError { fieldErrors { path message code } }
    ... on CommandRejected { code packageId }
  }
}`;

const BULK = `mutation Bulk($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber } }
    ... on MutationError { message }
    ... on ValidationError { fieldErrors { path code } }
    ... on CommandRejected { code packageId }
    ... on CommandFailed { code packageId outcomeKnown }
  }
}`;

const PACKAGE = `query Package($id: ID!) {
  package(id: $id) {
    id number status statusName orderNumber
    shipment { trackingNumber queryNumber cargoCompany { id name erpCode shippingCompany } }
  }
}`;

const SKIP_INCLUDE = `query SkipInclude($a: Boolean!, $b: Boolean!) {
  package(id: "1002") {
    id
    ...Status @include(if: $a)
    ... on Package @skip(if: $b) { number }
    shipment @include(if: $b) { trackingNumber }
    ...A
    ...B
  }
}
fragment Status on Package { status statusName }
fragment A on Package { orderNumber @skip(if: $a) }
fragment B on Package { orderNumber @include(if: $b) }`;

const ENTITIES =
  "query Entities($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Package { id status } ... on CargoCompany { id name } } }";

const input = (packageId: string, trackingNumber: string, extra: Record<string, unknown> = {}) => ({
  input: { packageId, cargoCompanyId: "2", trackingNumber, ...extra },
});

interface Case {
  name: string;
  /** Default /graphql. */
  path?: string;
  body: { query: string; variables?: Record<string, unknown>; operationName?: string };
  /** An OMS path that answers 503 for this request. */
  failing?: string;
}

const ROUTER = { "router-authorization": ROUTER_SECRET };

/** Requests answered by compiled code and by graphql-js alike, in order (the mutations change state). */
const SAME_ANSWERS: Case[] = [
  { name: "a mutation", body: { query: UPDATE_ALL, variables: input("1001", "AR-1") } },
  { name: "a mutation the use case refuses", body: { query: UPDATE_ALL, variables: input("1001", " ") } },
  {
    name: "a mutation the OMS refuses",
    body: { query: UPDATE_ALL, variables: input("1001", "AR-2", { transitionId: 99 }) },
  },
  { name: "a mutation on a bad id", body: { query: UPDATE_ALL, variables: input("01", "AR-3") } },
  {
    name: "a mutation the OMS does not answer",
    body: { query: UPDATE_ALL, variables: input("1004", "AR-4") },
    failing: "/api/v1/oms/packages/1004/",
  },
  {
    name: "variables of the wrong type",
    body: { query: UPDATE_ALL, variables: input("1001", "AR-5", { transitionId: "x", queryNumber: 7 }) },
  },
  { name: "a variable left out", body: { query: UPDATE_ALL, variables: {} } },
  { name: "a null variable", body: { query: UPDATE_ALL, variables: { input: null } } },
  {
    name: "an input field the type does not have",
    body: { query: UPDATE_ALL, variables: input("1001", "AR-6", { trackingNumbr: "AR-6" }) },
  },
  { name: "input fields left out", body: { query: UPDATE_ALL, variables: { input: { packageId: "1001" } } } },
  {
    name: "a bulk mutation",
    body: {
      query: BULK,
      variables: {
        inputs: [input("1002", "AR-7").input, input("1008", "AR-8").input, input("x", "AR-9").input],
      },
    },
  },
  { name: "a package", body: { query: PACKAGE, variables: { id: "1002" } } },
  { name: "a package the OMS does not have", body: { query: PACKAGE, variables: { id: "424242" } } },
  { name: "a package id that is no id", body: { query: PACKAGE, variables: { id: "abc" } } },
  { name: "an ID given as a number", body: { query: PACKAGE, variables: { id: 1003 } } },
  {
    name: "a package the OMS does not answer",
    body: { query: PACKAGE, variables: { id: "1005" } },
    failing: "/api/v1/oms/packages/1005/",
  },
  { name: "@include and @skip (1)", body: { query: SKIP_INCLUDE, variables: { a: true, b: false } } },
  { name: "@include and @skip (2)", body: { query: SKIP_INCLUDE, variables: { a: false, b: true } } },
  { name: "@include and @skip (3)", body: { query: SKIP_INCLUDE, variables: { a: true, b: true } } },
  {
    name: "aliases and __typename",
    body: {
      query:
        '{ __typename all: cargoCompanies { __typename id name } one: cargoCompany(id: "1") { id name } none: cargoCompany(id: "424242") { id } }',
    },
  },
  {
    name: "a variable inside an input object, left out",
    body: {
      query: "query Search($s: String) { cargoCompanies(filter: { search: $s }) { id } }",
      variables: {},
    },
  },
  {
    name: "a variable inside an input object",
    body: {
      query: "query Search($s: String) { cargoCompanies(filter: { search: $s }) { id } }",
      variables: { s: "ara" },
    },
  },
  {
    name: "an argument error thrown by a resolver",
    body: { query: `{ cargoCompanies(filter: { search: "${"x".repeat(101)}" }) { id } }` },
  },
  {
    name: "introspection",
    body: {
      query:
        '{ __schema { queryType { name } mutationType { name } } __type(name: "UpdatePackageShipmentResult") { kind possibleTypes { name } } }',
    },
  },
  {
    name: "one operation of several",
    body: {
      query: `${PACKAGE} query Other { __typename }`,
      operationName: "Package",
      variables: { id: "1004" },
    },
  },
  {
    name: "an empty operationName",
    body: { query: UPDATE, operationName: "", variables: input("1003", "AR-10") },
  },
  { name: "an unknown operationName", body: { query: UPDATE, operationName: "Other", variables: {} } },
  {
    name: "entities",
    path: "/subgraph",
    body: {
      query: ENTITIES,
      variables: {
        r: [
          { __typename: "Package", id: "1002" },
          { __typename: "CargoCompany", id: "1" },
        ],
      },
    },
  },
  {
    name: "entities that do not exist",
    path: "/subgraph",
    body: {
      query: ENTITIES,
      variables: {
        r: [
          { __typename: "Package", id: "424242" },
          { __typename: "Package", id: "x" },
        ],
      },
    },
  },
  {
    name: "too many entities",
    path: "/subgraph",
    body: { query: ENTITIES, variables: { r: ["1", "2", "3"].map((id) => ({ __typename: "Package", id })) } },
  },
  { name: "the service SDL", path: "/subgraph", body: { query: "{ _service { sdl } }" } },
];

const ENV = { ROUTER_SECRET, MAX_ENTITY_REPRESENTATIONS: "2" };

describe("graphql-jit execution", () => {
  let compiled: Harness;
  let graphqlJs: Harness;
  let defaults: Harness;

  beforeAll(async () => {
    [compiled, graphqlJs, defaults] = await Promise.all([
      startHarness(ENV, {}, { compileAfterRuns: 1 }),
      startHarness(ENV, {}, { compileAfterRuns: Number.POSITIVE_INFINITY }),
      startHarness(ENV, {}, {}),
    ]);
  });

  afterAll(async () => {
    await Promise.all([compiled?.close(), graphqlJs?.close(), defaults?.close()]);
  });

  it(`compiles an operation once, at run ${COMPILE_AFTER_RUNS}, and runs the compiled code from then on`, async () => {
    for (let run = 1; run <= COMPILE_AFTER_RUNS + 2; run++) {
      const res = await defaults.gql(UPDATE, input("1001", `YK-${run}`));

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: {
          updatePackageShipment: { __typename: "ShipmentUpdated", shipment: { trackingNumber: `YK-${run}` } },
        },
      });
      expect(compilations.filter((c) => c.source === UPDATE)).toEqual(
        run < COMPILE_AFTER_RUNS ? [] : [{ source: UPDATE, runs: run - COMPILE_AFTER_RUNS + 1 }],
      );
    }
  });

  it("with GRAPHQL_JIT=false compiles nothing and answers as graphql-js does", async () => {
    const off = await startHarness({ ...ENV, GRAPHQL_JIT: "false" }, {}, { compileAfterRuns: 1 });
    try {
      const before = compilations.length;
      for (const run of [1, 2, 3]) {
        const res = await off.gql(UPDATE, input("1001", `OFF-${run}`));
        const reference = await graphqlJs.gql(UPDATE, input("1001", `OFF-${run}`));
        expect(res.status).toBe(reference.status);
        expect(res.body).toEqual(reference.body);
      }
      expect(compilations.length).toBe(before);
    } finally {
      await off.close();
    }
  });

  it("compiles a list-sized operation within the field limit, and answers it as graphql-js does", async () => {
    // 50 packages × 7 fields: the size of a screen's package query.
    const fields = "id status shipment { trackingNumber cargoCompany { name } }";
    const query = `{ ${Array.from({ length: 50 }, (_, i) => `p${i}: package(id: "${1001 + (i % 5)}") { ${fields} }`).join(" ")} }`;
    // The first runs are graphql-js's; the compiled runs must answer the same.
    const reference = await defaults.gql(query);
    expect(reference.body.errors).toBeUndefined();
    expect(Object.keys(reference.body.data ?? {})).toHaveLength(50);
    for (let run = 2; run <= COMPILE_AFTER_RUNS + 1; run++) {
      const res = await defaults.gql(query);
      expect(res.body).toEqual(reference.body);
    }
    expect(runsOf(query)).toBe(2);
  });

  it("never compiles an operation that selects too many fields", async () => {
    const fields = "id number status statusName orderNumber";
    const query = `{ ${Array.from({ length: MAX_COMPILED_FIELDS / 5 }, (_, i) => `p${i}: package(id: "1002") { ${fields} }`).join(" ")} }`;
    for (let run = 1; run <= COMPILE_AFTER_RUNS; run++) {
      const res = await defaults.gql(query);
      expect(res.body.errors).toBeUndefined();
    }
    expect(compilations.filter((c) => c.source === query)).toEqual([]);
  });

  it("answers a variable coercion error of compiled code as graphql-js did: 400, BAD_USER_INPUT, no OMS call", async () => {
    await compiled.gql(UPDATE, input("1002", "YK-1"));
    const commands = compiled.commands().length;
    const runs = runsOf(UPDATE);

    const res = await compiled.gql(UPDATE, input("1002", "YK-2", { transitionId: "41" }));

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'Variable "$input" got invalid value "41" at "input.transitionId"; Int cannot represent non-integer value: "41"',
          locations: [{ line: 1, column: 17 }],
          extensions: { code: "BAD_USER_INPUT" },
        },
      ],
    });
    // The compiled code was asked first.
    expect(runsOf(UPDATE)).toBe(runs + 1);
    expect(compiled.commands()).toHaveLength(commands);
  });

  it.each(SAME_ANSWERS)("answers $name as graphql-js does", async ({ path = "/graphql", body, failing }) => {
    const runs = runsOf(body.query);
    const headers = path === "/subgraph" ? ROUTER : {};
    for (const h of [compiled, graphqlJs]) {
      if (failing) h.sim.injectFault({ path: failing, times: 1, fault: { kind: "status", status: 503 } });
    }

    const fromCompiled = await compiled.post(path, JSON.stringify(body), headers);
    const fromGraphqlJs = await graphqlJs.post(path, JSON.stringify(body), headers);

    expect(fromCompiled.status).toBe(fromGraphqlJs.status);
    expect(fromCompiled.text).toBe(fromGraphqlJs.text);
    // graphql-jit's code ran, except where no operation could be picked from the document.
    const resolved = fromCompiled.body.errors?.[0]?.extensions?.code !== "OPERATION_RESOLUTION_FAILURE";
    expect(runsOf(body.query)).toBe(runs + (resolved ? 1 : 0));
  });
});
