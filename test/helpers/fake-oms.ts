/**
 * A fake OMS on loopback that answers each request from a handler and records what it received, and an
 * OmsClient pointed at it: for specifying the client's mapping of exact wire answers without the
 * simulator's rules in between.
 */
import nodeHttp, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_PACKAGE_FILTER_PARAMS } from "../../src/config.js";
import type { PackageStatus } from "../../src/domain/package.js";
import type { UpdateShipmentCommand } from "../../src/domain/shipment.js";
import { OmsHttp } from "../../src/oms/http.js";
import { OmsClient, type OmsClientOptions } from "../../src/oms/oms-client.js";

export interface SeenRequest {
  method: string;
  url: string;
  headers: nodeHttp.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => Reply | undefined;

export interface FakeOms {
  url: string;
  requests: SeenRequest[];
  connections: number;
}

export const cleanups: Array<() => Promise<void>> = [];

// Private: a loopback OMS whose answers the test programs; a handler returning undefined answers itself.
export async function fakeOms(handler: Handler): Promise<FakeOms> {
  const requests: SeenRequest[] = [];
  const server = nodeHttp.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (chunk: Buffer) => chunks.push(chunk));
    raw.on("end", () => {
      const seen = {
        method: raw.method ?? "",
        url: raw.url ?? "",
        headers: raw.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      const reply = handler(seen, res, raw);
      if (reply === undefined) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  const fake: FakeOms = { url: "", requests, connections: 0 };
  server.on("connection", () => {
    fake.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return fake;
}

export function clientFor(
  baseUrl: string,
  options: {
    statusMap?: ReadonlyMap<string, PackageStatus>;
    packageIdsParam?: string | null;
    packageFilterParams?: OmsClientOptions["packageFilterParams"];
    timeoutMs?: number;
    maxResponseBytes?: number;
  } = {},
): OmsClient {
  const http = new OmsHttp({
    baseUrl,
    authorization: "Token tok-123",
    timeoutMs: options.timeoutMs ?? 2_000,
    maxConnections: 4,
    maxResponseBytes: options.maxResponseBytes,
  });
  cleanups.push(() => http.close());
  return new OmsClient(http, {
    statusMap: options.statusMap ?? new Map(),
    cargoCompaniesPath: "/api/v1/oms/cargo_companies/",
    packageIdsParam: options.packageIdsParam === undefined ? "id__in" : options.packageIdsParam,
    packageFilterParams: options.packageFilterParams ?? DEFAULT_PACKAGE_FILTER_PARAMS,
  });
}

export function jsonReply(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): Reply {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export const COMMAND: UpdateShipmentCommand = {
  packageId: 1001,
  transitionId: null,
  trackingNumber: "YK-777",
  queryNumber: "Q-777",
  cargoCompanyId: 1,
};

/** The transition the command is sent with in these tests. */
export const TRANSITION = 41;
