/**
 * A fake OMS on a loopback node:http server that counts: it records every shipment command it
 * receives, per package, with its body, its arrival time and whether it was applied, so a test can
 * hold every answer the gateway gave against what really happened.
 *
 * What a command gets is planned per tracking number (each request of the outcome audit sends
 * numbers of its own): the first command carrying a planned number gets the planned fault, any
 * later one (a re-send) is applied normally, except that a 400 or 406 verdict stays the same. A
 * breaker storm makes every call fail for a while, then heals: the first few commands after it are
 * applied and answered 204 (their planned faults wait), so the gateway's breaker probe succeeds.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  ACTIONS,
  type CommandRecord,
  ERROR_BODIES,
  type PlannedCommand,
  type ShipmentValues,
} from "./command-faults.js";
import { CARGO_COMPANIES, Packages, page, parseCommand } from "./oms-data.js";

export * from "./command-faults.js";

export interface CountingOmsOptions {
  token: string;
  /** How long a `late-406` waits before answering; set it longer than the gateway's deadline. */
  lateMs: number;
  /** How long reads of a package fail after a `204-then-read-fails`. */
  readFailMs: number;
  /** Called for every command received, before it is handled. */
  onCommand?: (record: CommandRecord) => void;
}

/** Commands answered 204 right after a storm: the breaker's probe, and a couple beside it. */
const HEALING_COMMANDS = 3;
const COMMAND_PATH = /^\/api\/v1\/oms\/packages\/(\d+)\/command\/$/;
const PACKAGE_PATH = /^\/api\/v1\/oms\/packages\/(\d+)\/$/;

export class CountingOms {
  private readonly commands = new Map<number, CommandRecord[]>();
  private readonly packages = new Packages(() => this.url);
  private readonly plans = new Map<string, PlannedCommand>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private listReads = 0;
  private stormUntil = 0;
  private healedUntil = 0;
  private healingLeft = 0;
  private port = 0;

  private constructor(private readonly options: CountingOmsOptions) {
    this.server = http.createServer({ keepAliveTimeout: 10_000 }, (req, res) => void this.handle(req, res));
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(options: CountingOmsOptions): Promise<CountingOms> {
    const oms = new CountingOms(options);
    await new Promise<void>((resolve) => oms.server.listen(0, "127.0.0.1", resolve));
    oms.port = (oms.server.address() as AddressInfo).port;
    return oms;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Plans the first command carrying `values.awb_number`. A `holds-values-*` fault puts the values
   * on the package now, without moving any change marker, as if an earlier command had set them.
   */
  plan(packageId: number, values: ShipmentValues, planned: PlannedCommand): void {
    this.plans.set(values.awb_number, planned);
    if (planned.fault.startsWith("holds-values")) this.packages.get(packageId).shipment = { ...values };
  }

  /**
   * Every call fails with 503, applying nothing, for `ms`; then the next HEALING_COMMANDS commands
   * within `healMs` succeed whatever was planned for them.
   */
  storm(ms: number, healMs: number): void {
    this.stormUntil = Date.now() + ms;
    this.healedUntil = this.stormUntil + healMs;
    this.healingLeft = HEALING_COMMANDS;
  }

  /** When the last storm and the spell after it end (epoch ms); 0 when there was none. */
  get healedAt(): number {
    return this.healedUntil;
  }

  /** The commands received for a package, in arrival order. */
  commandsFor(packageId: number): readonly CommandRecord[] {
    return this.commands.get(packageId) ?? [];
  }

  /** Package reads that came as one list call for several ids (`id__in`). */
  get batchedReads(): number {
    return this.listReads;
  }

  allCommands(): CommandRecord[] {
    return [...this.commands.values()].flat();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readText(req);
    const path = req.url ?? "";
    if (req.headers.authorization !== `Token ${this.options.token}`) {
      return json(res, 401, { detail: "Invalid token." });
    }
    const storming = Date.now() < this.stormUntil;
    const command = COMMAND_PATH.exec(path);
    if (req.method === "POST" && command) return this.command(Number(command[1]), body, req, res, storming);
    if (storming) return json(res, 503, { detail: "Service unavailable." });
    const read = PACKAGE_PATH.exec(path);
    if (req.method === "GET" && read) {
      const pkg = this.packages.get(Number(read[1]));
      if (Date.now() < pkg.readsFailUntil) return json(res, 503, { detail: "Service unavailable." });
      return json(res, 200, this.packages.wire(pkg));
    }
    if (req.method === "GET" && path.startsWith("/api/v1/oms/packages/?")) {
      // A batched read names its packages; any other list call is a readiness probe.
      const ids = new URLSearchParams(path.slice(path.indexOf("?"))).get("id__in")?.split(",").map(Number);
      if (ids !== undefined) this.listReads++;
      const listed = (ids ?? [1]).map((id) => this.packages.get(id));
      if (listed.some((pkg) => Date.now() < pkg.readsFailUntil)) {
        return json(res, 503, { detail: "Service unavailable." });
      }
      return json(res, 200, page(listed.map((pkg) => this.packages.wire(pkg))));
    }
    if (req.method === "GET" && path.startsWith("/api/v1/oms/cargo_companies/")) {
      return json(res, 200, page(CARGO_COMPANIES));
    }
    json(res, 404, { detail: "Not found." });
  }

  private async command(
    packageId: number,
    text: string,
    req: IncomingMessage,
    res: ServerResponse,
    storming: boolean,
  ): Promise<void> {
    const values = parseCommand(text);
    if (values === null)
      return json(res, 400, { error: { non_field_errors: ["Bad body."] }, status_code: 400 });
    const healing = !storming && Date.now() < this.healedUntil && this.healingLeft > 0;
    if (healing) this.healingLeft--;
    const planned = storming || healing ? undefined : this.plans.get(values.awb_number);
    // The OMS's verdict on the input does not change when the same command is sent again.
    const verdict = planned?.fault === "400" || planned?.fault === "406";
    if (planned && !verdict) this.plans.delete(values.awb_number);
    const fault = storming ? "breaker-storm" : (planned?.fault ?? "normal");
    const record: CommandRecord = {
      packageId,
      awb: values.awb_number,
      body: JSON.parse(text),
      receivedAt: Date.now(),
      fault,
      applied: false,
      answered: null,
    };
    this.commands.set(packageId, [...this.commandsFor(packageId), record]);
    this.options.onCommand?.(record);
    if (planned?.delayMs) await this.sleep(planned.delayMs);
    const action = ACTIONS[fault];
    if (action.apply) {
      record.applied = true;
      this.packages.apply(packageId, values);
    }
    if (fault === "204-then-read-fails") {
      this.packages.get(packageId).readsFailUntil = Date.now() + this.options.readFailMs;
    }
    const { answer } = action;
    if (answer === "hang") return;
    if (answer === "reset") return reset(req.socket);
    if (answer === "late-406") {
      await this.sleep(this.options.lateMs);
      if (res.destroyed) return;
    }
    const status = answer === "5xx" ? (planned?.status ?? 503) : answer === "late-406" ? 406 : answer;
    record.answered = status;
    if (status === 204) return void res.writeHead(204).end();
    json(res, status, ERROR_BODIES[status] ?? { detail: "Upstream failed." });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// Private: a TCP RST, not a FIN, so the gateway sees the connection fail rather than end.
function reset(socket: Socket): void {
  socket.resetAndDestroy();
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
