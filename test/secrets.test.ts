/**
 * The OMS token and the callers' keys never leave the gateway: not in answers, not in headers, not in
 * logs, whatever the OMS answers (even when it echoes credentials back). Unexpected errors are masked
 * for callers and logged for operators with the request id; every GraphQL request gets one log line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Fault } from "../src/simulator/index.js";
import {
  PackageSummaryDocument,
  UpdatePackageShipmentWithPackageDocument,
  UpdateShipmentOnlyDocument,
} from "./generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";
import { commandPath } from "./helpers/oms-paths.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const OMS_TOKEN = "omsTok-7Hq2ZxV9-kept-inside";
const CALLER_KEY = "callerKey-Rb41Lw0e";

interface OmsCallLog {
  route: string;
  method: string;
  status: number | null;
  ms: number;
}

interface RequestLog {
  level: string;
  msg: string;
  requestId: string;
  method: string;
  path: string;
  status: number;
  operation: string | null;
  outcome: string | null;
  oms: OmsCallLog[];
  ms: number;
}

/** The request log lines of one request; the line is written as the answer finishes, so wait for it. */
async function requestLines(h: Harness, requestId: string): Promise<RequestLog[]> {
  const lines = () =>
    (h.logs as unknown as RequestLog[]).filter((l) => l.msg === "request" && l.requestId === requestId);
  await vi.waitFor(() => expect(lines().length).toBeGreaterThan(0), { timeout: 2_000, interval: 5 });
  return lines();
}

function expectNoSecrets(h: Harness, res: GraphQLResult<unknown>): void {
  for (const secret of [OMS_TOKEN, CALLER_KEY]) {
    expect(res.text).not.toContain(secret);
    expect(JSON.stringify(res.headers)).not.toContain(secret);
    expect(h.rawLogs.filter((line) => line.includes(secret))).toStrictEqual([]);
  }
}

/** The log line's OMS calls with their timings checked and then left out, so the rest compares exactly. */
function callsOf(line: RequestLog): Omit<OmsCallLog, "ms">[] {
  for (const call of line.oms) {
    expect(typeof call.ms).toBe("number");
    expect(call.ms).toBeGreaterThanOrEqual(0);
  }
  return line.oms.map(({ ms: _ms, ...rest }) => rest);
}

// ---------------------------------------------------------------------------------------------

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    // No cargo company caching, so every case's log line lists the calls that case caused.
    {
      OMS_API_TOKEN: OMS_TOKEN,
      API_KEYS: CALLER_KEY,
      OMS_TIMEOUT_MS: "300",
      CARGO_COMPANIES_TTL_SECONDS: "0",
    },
    { token: OMS_TOKEN },
  );
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

const asCaller = (requestId: string) => ({
  authorization: `Bearer ${CALLER_KEY}`,
  "x-request-id": requestId,
});

// An OMS that echoes the credentials it received: a Django debug page does exactly that.
const echoed = `Authorization: Token ${OMS_TOKEN}`;

const cases: Array<{
  name: string;
  fault?: Fault;
  input: { packageId: string; cargoCompanyId: string; trackingNumber: string; transitionId?: number };
  withPackage?: boolean;
  typename?: string;
  errorCode?: string;
  outcome: string;
  calls: Omit<OmsCallLog, "ms">[];
}> = [
  {
    name: "success, with the package read back",
    input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "SEC-1" },
    withPackage: true,
    typename: "ShipmentUpdated",
    outcome: "ShipmentUpdated",
    calls: [
      { route: "package", method: "GET", status: 200 },
      { route: "command", method: "POST", status: 204 },
      { route: "package", method: "GET", status: 200 },
      { route: "cargo_companies", method: "GET", status: 200 },
    ],
  },
  {
    name: "a 400 from the OMS (unknown cargo company)",
    input: { packageId: "1001", cargoCompanyId: "99", trackingNumber: "SEC-2", transitionId: 41 },
    typename: "ValidationError",
    outcome: "ValidationError",
    calls: [{ route: "command", method: "POST", status: 400 }],
  },
  {
    name: "a 406 from the OMS (transition not allowed)",
    input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "SEC-3", transitionId: 50 },
    typename: "CommandRejected",
    outcome: "CommandRejected",
    calls: [{ route: "command", method: "POST", status: 406 }],
  },
  {
    name: "a 401 from the OMS that echoes the token",
    fault: { kind: "status", status: 401, body: JSON.stringify({ detail: `Invalid token. ${echoed}` }) },
    input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "SEC-4", transitionId: 41 },
    errorCode: "OMS_UNAUTHORIZED",
    outcome: "OMS_UNAUTHORIZED",
    calls: [{ route: "command", method: "POST", status: 401 }],
  },
  {
    name: "a 500 debug page from the OMS that echoes the token",
    fault: {
      kind: "status",
      status: 500,
      body: `<html><body><h1>Server Error</h1><pre>HTTP_${echoed}</pre></body></html>`,
      headers: { "content-type": "text/html" },
    },
    input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "SEC-5", transitionId: 41 },
    // A 500 after sending says nothing of the command: one verification read follows.
    errorCode: "OMS_OUTCOME_UNKNOWN",
    outcome: "OMS_OUTCOME_UNKNOWN",
    calls: [
      { route: "command", method: "POST", status: 500 },
      { route: "package", method: "GET", status: 200 },
    ],
  },
  {
    name: "a command that times out (verified by a read)",
    fault: { kind: "hang" },
    input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "SEC-6", transitionId: 41 },
    errorCode: "OMS_OUTCOME_UNKNOWN",
    outcome: "OMS_OUTCOME_UNKNOWN",
    calls: [
      { route: "command", method: "POST", status: null },
      { route: "package", method: "GET", status: 200 },
    ],
  },
];

describe("the OMS token and the caller's key stay inside", () => {
  for (const [
    index,
    { name, fault, input, withPackage, typename, errorCode, outcome, calls },
  ] of cases.entries()) {
    it(`${name} → ${outcome}`, async () => {
      const requestId = `test-req-case-${index + 1}`;
      if (fault) h.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault });
      const document = withPackage ? UpdatePackageShipmentWithPackageDocument : UpdateShipmentOnlyDocument;
      const operation = withPackage ? "UpdatePackageShipmentWithPackage" : "UpdateShipmentOnly";

      const res = await h.gql(document, { input }, asCaller(requestId));

      expect(res.status).toBe(200);
      expect(res.headers["x-request-id"]).toBe(requestId);
      if (typename) {
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.updatePackageShipment.__typename).toBe(typename);
      } else {
        expect(res.body.data).toBeNull();
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: errorCode });
      }
      // The token was really in use: the OMS received it.
      expect(h.sim.requests[0]?.headers.authorization).toBe(`Token ${OMS_TOKEN}`);

      const lines = await requestLines(h, requestId);
      expect(lines).toHaveLength(1);
      const line = lines[0] as RequestLog;
      expect(line).toMatchObject({
        level: outcome === "ShipmentUpdated" ? "info" : "warn",
        method: "POST",
        path: "/graphql",
        status: 200,
        operation,
        outcome,
      });
      if (outcome !== "ShipmentUpdated") {
        // A failure names who asked (by the key's digest, never the key) and the package.
        expect(line).toMatchObject({
          caller: expect.stringMatching(/^key:[0-9a-f]{16}$/),
          packageIds: ["1001"],
        });
        expect(typeof (line as unknown as { code: unknown }).code).toBe("string");
      }
      expect(callsOf(line)).toStrictEqual(calls);
      expect(typeof line.ms).toBe("number");
      expect(line.ms).toBeGreaterThanOrEqual(Math.max(...line.oms.map((c) => c.ms)));
      expectNoSecrets(h, res);
    });
  }

  it("writes every log line as one JSON object, and one request line per GraphQL request", async () => {
    const before = h.rawLogs.length;
    for (const id of ["1001", "1002", "999999"]) {
      await h.gql(PackageSummaryDocument, { id }, asCaller(`test-req-count-${id}`));
    }
    await h.gql(PackageSummaryDocument, { id: "1003" }, { "x-request-id": "test-req-count-refused" });

    for (const requestId of ["1001", "1002", "999999", "refused"].map((id) => `test-req-count-${id}`)) {
      expect(await requestLines(h, requestId)).toHaveLength(1);
    }
    const fresh = h.rawLogs.slice(before);
    for (const raw of fresh) {
      expect(raw.endsWith("\n")).toBe(true);
      expect(raw.trimEnd().includes("\n")).toBe(false);
      expect(() => JSON.parse(raw)).not.toThrow();
    }
    const graphqlLines = h.logs.slice(before).filter((l) => l.msg === "request" && l.path === "/graphql");
    expect(graphqlLines).toHaveLength(4);
    // The refused caller costs no OMS call and is logged with its HTTP status.
    expect(graphqlLines.at(-1)).toMatchObject({ requestId: "test-req-count-refused", status: 401, oms: [] });
    expect(fresh.filter((line) => line.includes(OMS_TOKEN) || line.includes(CALLER_KEY))).toStrictEqual([]);
  });
});

describe("an unexpected error", () => {
  it("is masked for the caller and logged with the request id and its stack", async () => {
    // No OMS answer can make the gateway fail unexpectedly (that is what the result mapping is for),
    // so a defect in the OMS layer is simulated: a plain TypeError from the HTTP client.
    const defect = new TypeError("Cannot read properties of undefined (reading 'enum_value')");
    const spy = vi.spyOn(h.gateway.omsHttp, "send").mockRejectedValueOnce(defect);
    try {
      const res = await h.gql(PackageSummaryDocument, { id: "1001" }, asCaller("test-req-1"));

      expect(res.status).toBe(200);
      expect(res.headers["x-request-id"]).toBe("test-req-1");
      expect(res.body).toStrictEqual({
        data: { package: null },
        errors: [
          {
            message: "Internal server error",
            path: ["package"],
            extensions: { code: "INTERNAL_SERVER_ERROR" },
          },
        ],
      });
      expect(res.text).not.toContain("TypeError");
      expect(res.text).not.toContain("enum_value");
      expect(res.text).not.toContain("stacktrace");
      expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);

      const logged = h.logs.filter((l) => l.msg === "unexpected error");
      expect(logged).toHaveLength(1);
      const entry = logged[0] as {
        level: string;
        requestId: string;
        err: { type: string; message: string; stack: string };
      };
      expect(entry.level).toBe("error");
      expect(entry.requestId).toBe("test-req-1");
      expect(entry.err.type).toBe("TypeError");
      expect(entry.err.message).toBe(defect.message);
      expect(entry.err.stack).toContain("TypeError: Cannot read properties of undefined");

      const lines = await requestLines(h, "test-req-1");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        operation: "PackageSummary",
        outcome: "INTERNAL_SERVER_ERROR",
        status: 200,
      });
      expectNoSecrets(h, res);
    } finally {
      spy.mockRestore();
    }
  });
});
