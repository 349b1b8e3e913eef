/**
 * The single mutation when the OMS's answer to a command does not settle its outcome (deadline,
 * connection reset after sending, a 5xx from the OMS or a proxy in front of it): the gateway never
 * re-sends the command, reads the package back once, and answers ShipmentUpdated only when the
 * package proves this command was applied (the requested values and a change after it was sent);
 * otherwise the outcome is unknown. Everything is checked against what the simulated OMS recorded
 * and holds.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Fault } from "../src/simulator/index.js";
import {
  type UpdatePackageShipmentInput,
  UpdateShipmentOnlyDocument,
  type UpdateShipmentOnlyMutation,
} from "./generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";
import { commandPath, packagePath } from "./helpers/oms-paths.js";

const POST = (id: number) => `POST ${commandPath(id)}`;
const GET = (id: number) => `GET ${packagePath(id)}`;

const input = (overrides: Partial<UpdatePackageShipmentInput> = {}): UpdatePackageShipmentInput => ({
  packageId: "2001",
  cargoCompanyId: "3",
  trackingNumber: "LOST-1",
  queryNumber: "Q-LOST",
  transitionId: 41,
  ...overrides,
});

const UNKNOWN_MESSAGE = "The OMS did not answer the command in time; it may or may not have been applied.";

/** Every OMS request as "METHOD /path", in arrival order: here they are sequential. */
const routes = (h: Harness) => h.sim.requests.map((r) => `${r.method} ${r.path}`);

const answeredUnknown = (status: number) =>
  `The OMS answered the command with status ${status}; it may or may not have been applied.`;

function expectUnknown(res: GraphQLResult<UpdateShipmentOnlyMutation>, message = UNKNOWN_MESSAGE): void {
  expect(res.status).toBe(200);
  expect(res.body.data).toBeNull();
  expect(res.body.errors).toStrictEqual([
    {
      message,
      locations: [{ line: 2, column: 3 }],
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    },
  ]);
}

function expectUpdated(
  res: GraphQLResult<UpdateShipmentOnlyMutation>,
  trackingNumber: string,
  queryNumber: string | null,
): void {
  expect(res.status).toBe(200);
  expect(res.body).toStrictEqual({
    data: {
      updatePackageShipment: { __typename: "ShipmentUpdated", shipment: { trackingNumber, queryNumber } },
    },
  });
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ OMS_TIMEOUT_MS: "300" });
});
afterAll(() => h?.close());
beforeEach(() => h.sim.reset());

const onCommand = (id: number, fault: Fault) =>
  h.sim.injectFault({ method: "POST", path: commandPath(id), times: 1, fault });

describe("a lost answer to a command that was applied", () => {
  it.each<Fault["kind"]>(["resetAfterApply", "hangAfterApply"])(
    "%s → ShipmentUpdated after one command and one verification read",
    async (kind) => {
      onCommand(2001, { kind } as Fault);
      const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
      expectUpdated(res, "LOST-1", "Q-LOST");
      expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
      expect(h.sim.getPackage(2001)?.shipment).toStrictEqual({
        awb_number: "LOST-1",
        query_number: "Q-LOST",
        cargo_company: 3,
      });
    },
  );

  it("reads the package afresh for the verification, not from the read that chose the transition", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId: null }) });
    expectUpdated(res, "LOST-1", "Q-LOST");
    // The first read found no shipment; only a second read can see the applied command.
    expect(routes(h)).toStrictEqual([GET(2001), POST(2001), GET(2001)]);
    expect(h.commands()).toHaveLength(1);
  });

  it("logs ShipmentUpdated with both OMS calls on the request line", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    await h.gql(UpdateShipmentOnlyDocument, { input: input() }, { "x-request-id": "lost-applied" });
    const line = await requestLine("lost-applied");
    expect(line.outcome).toBe("ShipmentUpdated");
    expect(line.oms.map((call) => `${call.method} ${call.route} ${call.status}`)).toStrictEqual([
      "POST command null",
      "GET package 200",
    ]);
  });
});

describe("a lost answer to a command that was not applied", () => {
  it.each<Fault["kind"]>(["reset", "hang"])(
    "%s → OMS_OUTCOME_UNKNOWN; the command is sent once and never re-sent; one verification read",
    async (kind) => {
      onCommand(2001, { kind } as Fault);
      const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
      expectUnknown(res);
      expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
      expect(h.sim.getPackage(2001)?.shipment).toBeNull();
    },
  );

  it("a package holding other values is not mistaken for the requested ones", async () => {
    // 1002 holds Aras AR1002 with query number Q-1002; the command asks for the same tracking number
    // without a query number, which would have cleared it.
    onCommand(1002, { kind: "reset" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({
        packageId: "1002",
        cargoCompanyId: "2",
        trackingNumber: "AR1002",
        queryNumber: null,
        transitionId: 42,
      }),
    });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(1002), GET(1002)]);
  });

  it("a package that already held exactly the requested values stays unknown: holding them proves nothing without a change time after the send", async () => {
    // 1001 holds Yurtiçi YK1001 without a query number, changed in 2024; the command is lost unapplied.
    onCommand(1001, { kind: "reset" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK1001", queryNumber: null }),
    });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(1001), GET(1001)]);
    // The premise: the package's change time is long before the command.
    expect(Date.parse(h.sim.getPackage(1001)?.modified_date ?? "")).toBeLessThan(Date.now() - 60_000);
  });

  it("the same values with the package read first (no transitionId) stay unknown too: nothing moved since that read", async () => {
    // 1001 is packed, so the configured transition needs a read first; it shows the very values asked for.
    onCommand(1001, { kind: "reset" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({
        packageId: "1001",
        cargoCompanyId: "1",
        trackingNumber: "YK1001",
        queryNumber: null,
        transitionId: null,
      }),
    });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([GET(1001), POST(1001), GET(1001)]);
    expect(h.commands()).toHaveLength(1);
  });
});

describe("a lost answer to a command that set values the package already held", () => {
  it("is ShipmentUpdated when the command was applied: the label and change time moved past the send", async () => {
    const before = h.sim.getPackage(1001);
    onCommand(1001, { kind: "resetAfterApply" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK1001", queryNumber: null }),
    });
    expectUpdated(res, "YK1001", null);
    expect(routes(h)).toStrictEqual([POST(1001), GET(1001)]);
    expect(h.commands()).toHaveLength(1);
    const after = h.sim.getPackage(1001);
    expect(after?.shipment).toStrictEqual(before?.shipment);
    expect(after?.shipping_label?.url).not.toBe(before?.shipping_label?.url);
    expect(Date.parse(after?.modified_date ?? "")).toBeGreaterThan(Date.parse(before?.modified_date ?? ""));
  });
});

describe("a verification read that fails", () => {
  it("a 500 on the read → OMS_OUTCOME_UNKNOWN, though the command was in fact applied", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "status", status: 500 } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
    expect(h.sim.getPackage(2001)?.shipment?.awb_number).toBe("LOST-1");
  });

  it("a read that times out too → OMS_OUTCOME_UNKNOWN, still one command and one read", async () => {
    onCommand(2001, { kind: "hangAfterApply" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "hang" } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() }, { "x-request-id": "lost-read" });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
    const line = await requestLine("lost-read");
    expect(line.outcome).toBe("OMS_OUTCOME_UNKNOWN");
  });

  it("a package that vanished (404 on the read) → OMS_OUTCOME_UNKNOWN", async () => {
    onCommand(2001, { kind: "reset" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "status", status: 404 } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
  });
});

describe("answers after sending that do not settle the outcome", () => {
  it.each([500, 502, 503, 504])(
    "a %i to the command is OMS_OUTCOME_UNKNOWN after one verification read, and the command is never sent twice",
    async (status) => {
      onCommand(2001, { kind: "status", status, body: '{"detail": "upstream trouble"}' });
      const res = await h.gql(
        UpdateShipmentOnlyDocument,
        { input: input() },
        { "x-request-id": `unsettled-${status}` },
      );
      expectUnknown(res, answeredUnknown(status));
      expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
      expect(h.sim.getPackage(2001)?.shipment).toBeNull();
      const line = await requestLine(`unsettled-${status}`);
      expect(line.outcome).toBe("OMS_OUTCOME_UNKNOWN");
      expect(line.oms.map((call) => `${call.method} ${call.route} ${call.status}`)).toStrictEqual([
        `POST command ${status}`,
        "GET package 200",
      ]);
    },
  );
});

/**
 * A reverse proxy in front of the simulated OMS, as an OMS is often deployed: it passes requests on,
 * except that it can answer the next command with its own 5xx, either after passing the command on
 * (the OMS applied it; the proxy gave up waiting, as a proxy does when the upstream is slow) or
 * without passing it on.
 */
interface FrontProxy {
  url: string;
  /** "METHOD /path" of every request the gateway sent through the proxy. */
  received: string[];
  failNextCommand(status: number, passOn: boolean): void;
  close(): Promise<void>;
}

async function startFrontProxy(upstream: () => string): Promise<FrontProxy> {
  const received: string[] = [];
  let failure: { status: number; passOn: boolean } | null = null;
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const path = req.url ?? "/";
      received.push(`${req.method} ${path}`);
      const fail = req.method === "POST" && path.endsWith("/command/") ? failure : null;
      if (fail) failure = null;
      if (fail === null || fail.passOn) {
        const headers: Record<string, string> = {};
        for (const name of ["authorization", "accept", "content-type"]) {
          const value = req.headers[name];
          if (typeof value === "string") headers[name] = value;
        }
        const answer = await request(upstream() + path, {
          method: req.method as "GET" | "POST",
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        });
        const body = await answer.body.text();
        if (fail === null) {
          const type = answer.headers["content-type"];
          res.writeHead(answer.statusCode, typeof type === "string" ? { "content-type": type } : {});
          res.end(body);
          return;
        }
      }
      res.writeHead(fail.status, { "content-type": "text/html" }).end(`<h1>${fail.status}</h1>`);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    failNextCommand(status, passOn) {
      failure = { status, passOn };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("a 5xx after the command, through a proxy in front of the OMS", () => {
  let proxy: FrontProxy;
  let p: Harness;
  beforeAll(async () => {
    proxy = await startFrontProxy(() => p.sim.url);
    p = await startHarness({ OMS_BASE_URL: proxy.url });
  });
  afterAll(async () => {
    await p?.close();
    await proxy?.close();
  });
  beforeEach(() => {
    p.sim.reset();
    proxy.received.length = 0;
  });

  const proxyRoutes = () => proxy.received;

  it.each([500, 502, 504])(
    "%i after the OMS applied it → ShipmentUpdated: the read shows the values and a change time past the send",
    async (status) => {
      proxy.failNextCommand(status, true);
      const res = await p.gql(UpdateShipmentOnlyDocument, {
        input: input({ trackingNumber: `APPLIED-${status}` }),
      });
      expectUpdated(res, `APPLIED-${status}`, "Q-LOST");
      // Sent once by the gateway, received and applied once by the OMS, then verified by one read.
      expect(proxyRoutes()).toStrictEqual([POST(2001), GET(2001)]);
      expect(p.sim.requests.map((r) => `${r.method} ${r.path}`)).toStrictEqual([POST(2001), GET(2001)]);
      expect(p.commands()[0]?.json).toStrictEqual({
        transition_id: 41,
        awb_number: `APPLIED-${status}`,
        query_number: "Q-LOST",
        cargo_company: 3,
      });
      expect(p.sim.getPackage(2001)?.shipment).toStrictEqual({
        awb_number: `APPLIED-${status}`,
        query_number: "Q-LOST",
        cargo_company: 3,
      });
    },
  );

  it.each([500, 502, 504])(
    "%i with the values already held but an old change time → OMS_OUTCOME_UNKNOWN",
    async (status) => {
      // 1001 has held Yurtiçi YK1001 without a query number since 2024; the proxy never passes the command on.
      const before = p.sim.getPackage(1001);
      proxy.failNextCommand(status, false);
      const res = await p.gql(UpdateShipmentOnlyDocument, {
        input: input({ packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK1001", queryNumber: null }),
      });
      expectUnknown(res, answeredUnknown(status));
      expect(proxyRoutes()).toStrictEqual([POST(1001), GET(1001)]);
      expect(p.sim.requests.map((r) => `${r.method} ${r.path}`)).toStrictEqual([GET(1001)]);
      expect(p.sim.getPackage(1001)).toStrictEqual(before);
    },
  );
});

interface RequestLine {
  outcome: string | null;
  oms: Array<{ method: string; route: string; status: number | null }>;
}

async function requestLine(requestId: string): Promise<RequestLine> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const line = h.logs.find((l) => l.msg === "request" && l.requestId === requestId);
    if (line) return line as unknown as RequestLine;
    if (Date.now() > deadline) throw new Error(`no request log line for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
