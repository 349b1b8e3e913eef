/**
 * A loopback stand-in for the OMS that misbehaves on demand, and a gateway pointed at it.
 *
 * The fault server answers the two routes the fault suite drives (the shipment command of package
 * 1001 and the read of that package) with whatever a test chose: a normal HTTP answer through
 * node:http, or broken HTTP written byte by byte onto the socket (cut bodies, lying Content-Length,
 * resets, silence, trickles, endless streams). It counts every connection it accepts and every
 * socket still open, so a test can tell whether the gateway reuses, closes or leaks connections.
 */
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { request } from "undici";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createServer, type GatewayServer } from "../../src/server.js";

export const PACKAGE_ID = 1001;
export const COMMAND_PATH = `/api/v1/oms/packages/${PACKAGE_ID}/command/`;
export const PACKAGE_PATH = `/api/v1/oms/packages/${PACKAGE_ID}/`;

export type FaultRoute = "command" | "package";

/** What the fault server does with one request on a route. */
export type Behaviour =
  /** A well-formed HTTP answer; `body` is sent as it is. */
  | { kind: "answer"; status: number; headers?: Record<string, string>; body?: string }
  /** Reads the whole request, then never sends a byte. */
  | { kind: "hang" }
  /** Reads the whole request, then resets the connection (TCP RST): the request arrived, no answer left. */
  | { kind: "resetAfterRequest" }
  /** Sends the status line and headers promising `contentLength` bytes, then resets the connection. */
  | { kind: "resetAfterHeaders"; status: number; contentLength: number }
  /**
   * Promises `contentLength` bytes, sends `body` (shorter), then either closes its side cleanly
   * (`end`, a FIN) or destroys the socket (`destroy`).
   */
  | { kind: "cutBody"; status: number; contentLength: number; body: string; close: "end" | "destroy" }
  /** Streams `bytes` of JSON-ish filler as fast as the reader takes it, never holding it in memory. */
  | { kind: "stream"; status: number; bytes: number }
  /** Sends the headers at once, then one byte of `body` every `intervalMs`. */
  | { kind: "trickle"; status: number; body: string; intervalMs: number };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The package the fault server reads out when no fault is set: 1001, packed, shipped with Yurtiçi. */
export const GOOD_PACKAGE = {
  id: PACKAGE_ID,
  number: "PKG-1001",
  order_number: "ORD-1001",
  state: { name: "Packed", enum_value: "500" },
  shipment: { awb_number: "YK1001", query_number: null, cargo_company: 1 },
  shipping_label: null,
};

const DEFAULTS: Readonly<Record<FaultRoute, Behaviour>> = {
  command: { kind: "answer", status: 204 },
  package: {
    kind: "answer",
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(GOOD_PACKAGE),
  },
};

// Private: the filler of a streamed body is one small buffer sent again and again, so a 50 MB answer
// costs the fault server 64 KiB of memory and anything measured in the process is the reader's.
const FILLER = Buffer.alloc(64 * 1024, "x");

export class FaultServer {
  readonly requests: ReceivedRequest[] = [];
  /** Connections accepted since start or the last `clearRecords`. */
  connections = 0;
  /** Bytes written onto the socket by the last `stream` behaviour, counted when it stopped. */
  streamedBytes = 0;
  private readonly sockets = new Set<Socket>();
  /** Sockets carrying a request whose answer is not finished (or never will be). */
  private readonly busy = new Set<Socket>();
  private readonly behaviours = new Map<FaultRoute, Behaviour>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private port = 0;

  private constructor() {
    // keepAliveTimeout above the gateway's (4 s) so the gateway, not the fault server, decides when an
    // idle connection goes, unless a test closes it on purpose.
    this.server = http.createServer({ keepAliveTimeout: 10_000 }, (req, res) => void this.handle(req, res));
    this.server.on("connection", (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on("close", () => {
        this.sockets.delete(socket);
        this.busy.delete(socket);
      });
    });
  }

  static async start(): Promise<FaultServer> {
    const fault = new FaultServer();
    await fault.listen(0);
    return fault;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Sockets open right now, idle keep-alive ones included. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Every request on `route` gets `behaviour` until `reset`. */
  on(route: FaultRoute, behaviour: Behaviour): void {
    this.behaviours.set(route, behaviour);
  }

  /** Back to good answers on both routes; records are kept. */
  reset(): void {
    this.behaviours.clear();
  }

  clearRecords(): void {
    this.requests.length = 0;
    this.connections = 0;
    this.streamedBytes = 0;
  }

  /** "METHOD /path" of every request received, in order. */
  routes(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  /**
   * Closes every connection that carries no unfinished request, including ones that never carried
   * any (a client may open a spare connection; node's closeIdleConnections leaves those alone).
   */
  closeIdle(): void {
    for (const socket of this.sockets) if (!this.busy.has(socket)) socket.end();
  }

  /** Waits until at most `count` sockets are open, or `timeoutMs` passed; returns how many are open. */
  async waitForOpenSockets(count: number, timeoutMs: number): Promise<number> {
    const until = performance.now() + timeoutMs;
    while (this.sockets.size > count && performance.now() < until) await delay(5);
    return this.sockets.size;
  }

  /** Stops listening, so connecting to the port is refused; `accept` listens on the same port again. */
  async refuse(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Listens again after `refuse`; does nothing while listening. */
  async accept(): Promise<void> {
    if (!this.server.listening) await this.listen(this.port);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { socket } = req;
    this.busy.add(socket);
    res.on("finish", () => this.busy.delete(socket));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    this.requests.push({
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    const route: FaultRoute | null =
      req.method === "POST" && path === COMMAND_PATH
        ? "command"
        : req.method === "GET" && path === PACKAGE_PATH
          ? "package"
          : null;
    if (route === null) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"detail": "Not found."}');
      return;
    }
    this.perform(this.behaviours.get(route) ?? DEFAULTS[route], socket, res);
  }

  private perform(behaviour: Behaviour, socket: Socket, res: ServerResponse): void {
    switch (behaviour.kind) {
      case "answer":
        res.writeHead(behaviour.status, behaviour.headers ?? {}).end(behaviour.body ?? "");
        return;
      case "hang":
        return;
      case "resetAfterRequest":
        socket.resetAndDestroy();
        return;
      case "resetAfterHeaders":
        socket.write(rawHead(behaviour.status, behaviour.contentLength), () => socket.resetAndDestroy());
        return;
      case "cutBody":
        socket.write(rawHead(behaviour.status, behaviour.contentLength) + behaviour.body, () => {
          if (behaviour.close === "end") socket.end();
          else socket.destroy();
        });
        return;
      case "stream":
        void this.stream(socket, behaviour.status, behaviour.bytes);
        return;
      case "trickle":
        this.trickle(socket, behaviour.status, behaviour.body, behaviour.intervalMs);
        return;
    }
  }

  // Private: raw writes honour backpressure, so the fault server never queues more than the reader
  // accepts; when the reader hangs up the loop ends.
  private async stream(socket: Socket, status: number, bytes: number): Promise<void> {
    const started = socket.bytesWritten;
    socket.write(rawHead(status, bytes));
    let left = bytes;
    while (left > 0 && !socket.destroyed) {
      const chunk = left >= FILLER.length ? FILLER : FILLER.subarray(0, left);
      left -= chunk.length;
      if (!socket.write(chunk) && !(await drained(socket))) break;
    }
    this.streamedBytes = socket.bytesWritten - started;
  }

  private trickle(socket: Socket, status: number, body: string, intervalMs: number): void {
    const bytes = Buffer.from(body);
    socket.write(rawHead(status, bytes.length));
    let sent = 0;
    const next = (): void => {
      if (socket.destroyed || sent >= bytes.length) return;
      socket.write(bytes.subarray(sent, sent + 1));
      sent++;
      schedule();
    };
    const schedule = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        next();
      }, intervalMs);
      this.timers.add(timer);
    };
    schedule();
  }
}

function rawHead(status: number, contentLength: number): string {
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Unknown"}\r\n` +
    "Content-Type: application/json\r\n" +
    `Content-Length: ${contentLength}\r\n` +
    "Connection: keep-alive\r\n\r\n"
  );
}

/** True once the socket can take more, false when it closed or failed first (the reader hung up). */
function drained(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => () => {
      socket.off("drain", onDrain).off("close", onEnd).off("error", onEnd);
      resolve(ok);
    };
    const onDrain = settle(true);
    const onEnd = settle(false);
    socket.on("drain", onDrain).on("close", onEnd).on("error", onEnd);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface GatewayAnswer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<Record<string, unknown>>;
  };
}

export interface FaultGateway {
  gateway: GatewayServer;
  url: string;
  /** Sends a GraphQL request with the suite's API key; `requestId` finds its log line later. */
  gql(query: string, variables?: Record<string, unknown>, requestId?: string): Promise<GatewayAnswer>;
  /** Status of a plain GET, e.g. `/health/live`. */
  getStatus(path: string): Promise<number>;
  /** The OMS calls of one request as "METHOD route status", from its request log line. */
  omsCalls(requestId: string): Promise<string[]>;
  close(): Promise<void>;
}

export const API_KEY = "fault-suite-key";

/**
 * A real gateway, listening on an ephemeral loopback port, whose OMS is `omsUrl`. Retries and the
 * breaker are off unless `env` turns them on, so one fault maps to exactly one OMS call.
 */
export async function startFaultGateway(
  omsUrl: string,
  env: Record<string, string> = {},
): Promise<FaultGateway> {
  const lines: string[] = [];
  const log = createLogger("info", { write: (line: string) => void lines.push(line) });
  const config = loadConfig({
    NODE_ENV: "test",
    OMS_BASE_URL: omsUrl,
    OMS_API_TOKEN: "fault-oms-token",
    OMS_SHIPMENT_TRANSITIONS: "packed:41,shipped:42,delivered:43,attempted_delivery:44",
    API_KEYS: API_KEY,
    PORT: "0",
    OMS_READ_ATTEMPTS: "1",
    OMS_BREAKER_THRESHOLD: "1000",
    ...env,
  });
  // Every operation compiled at its first run, so that every test runs graphql-jit's code.
  const gateway = await createServer(config, { log, jit: { compileAfterRuns: 1 } });
  gateway.httpServer.listen(0, "127.0.0.1");
  await once(gateway.httpServer, "listening");
  const url = `http://127.0.0.1:${(gateway.httpServer.address() as AddressInfo).port}`;

  return {
    gateway,
    url,
    async gql(query, variables, requestId) {
      const res = await request(`${url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${API_KEY}`,
          ...(requestId ? { "x-request-id": requestId } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: JSON.parse(text) as GatewayAnswer["body"] };
    },
    async getStatus(path) {
      const res = await request(url + path);
      await res.body.dump();
      return res.statusCode;
    },
    async omsCalls(requestId) {
      // The line is written when the response finishes, which may be a moment after the caller has it.
      for (let tries = 0; tries < 100; tries++) {
        for (const raw of lines) {
          const line = JSON.parse(raw) as { requestId?: string; oms?: Array<Record<string, unknown>> };
          if (line.requestId === requestId && line.oms) {
            return line.oms.map((call) => `${call.method} ${call.route} ${call.status}`);
          }
        }
        await delay(5);
      }
      throw new Error(`no request log line for ${requestId}`);
    },
    async close() {
      await gateway.stop(500);
    },
  };
}
