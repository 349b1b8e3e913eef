/**
 * Starts a real OMS simulator and a real gateway on ephemeral loopback ports, and talks to the
 * gateway over HTTP like any caller. Log lines are captured so tests can read what operators see.
 */
import type { AddressInfo } from "node:net";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, print } from "graphql";
import { request } from "undici";
import { loadConfig } from "../../src/config.js";
import type { JitOptions } from "../../src/graphql/jit-executor.js";
import { createLogger } from "../../src/logger.js";
import { createServer, type GatewayServer } from "../../src/server.js";
import { type OmsSimulator, type SimulatorOptions, startSimulator } from "../../src/simulator/index.js";

export interface GraphQLResult<TData> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: {
    data?: TData | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
  text: string;
}

export interface Harness {
  sim: OmsSimulator;
  gateway: GatewayServer;
  url: string;
  /** Every JSON log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  gql<TData, TVars>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<TData>>;
  post(path: string, body: string, headers?: Record<string, string>): Promise<GraphQLResult<unknown>>;
  /** Requests the simulator received on the command path, in order. */
  commands(): OmsSimulator["requests"];
  close(): Promise<void>;
}

/** @param jit by default every operation is compiled at its first run, so that tests run graphql-jit's code. */
export async function startHarness(
  env: Record<string, string> = {},
  simulatorOptions: SimulatorOptions = {},
  jit: JitOptions = { compileAfterRuns: 1 },
): Promise<Harness> {
  const sim = await startSimulator(simulatorOptions);
  const rawLogs: string[] = [];
  const log = createLogger("debug", { write: (line: string) => void rawLogs.push(line) });
  const config = loadConfig({
    OMS_BASE_URL: sim.url,
    OMS_API_TOKEN: sim.token,
    OMS_SHIPMENT_TRANSITIONS: "packed:41,shipped:42,delivered:43,attempted_delivery:44",
    PORT: "0",
    // Most suites inject faults to check how one answer maps; retries and the breaker would blur that.
    // The resilience suite turns them back on.
    OMS_READ_ATTEMPTS: "1",
    OMS_BREAKER_THRESHOLD: "1000",
    ...env,
  });
  const gateway = await createServer(config, { log, jit }).catch(async (error: unknown) => {
    await sim.close();
    throw error;
  });
  await new Promise<void>((resolve) => gateway.httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(gateway.httpServer.address() as AddressInfo).port}`;

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    const res = await request(url + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    const text = await res.body.text();
    let parsed: GraphQLResult<unknown>["body"] = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Left empty: the test looks at `text` and `status`.
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text };
  }

  return {
    sim,
    gateway,
    url,
    rawLogs,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async gql(document, variables, headers) {
      const query = typeof document === "string" ? document : print(document);
      return (await post("/graphql", JSON.stringify({ query, variables }), headers)) as never;
    },
    post,
    commands: () => sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/command/")),
    async close() {
      await gateway.stop(1_000);
      await sim.close();
    },
  };
}
