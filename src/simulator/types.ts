import type { OmsPackage } from "./wire.js";

export interface SimulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default DEMO_OMS_TOKEN. */
  token?: string;
  /** Default "Token": requests must send `Authorization: <scheme> <token>`. */
  authScheme?: string;
  /** Delay before answering every /api request; a command holds its package lock meanwhile and applies its change at the end. */
  latencyMs?: number;
  /** Default true; benchmarks turn it off so a request allocates nothing for recording. */
  recordRequests?: boolean;
  /** Default 10000; the oldest are dropped. */
  maxRecordedRequests?: number;
  /** Called once per /api request the simulator answered (or, after applying, lost the answer of). */
  onAnswer?: (entry: AccessLogEntry) => void;
}

/** One answered /api request, for an access log. */
export interface AccessLogEntry {
  method: string;
  /** The pathname and query string. */
  url: string;
  status: number;
  /** False when a fault lost the answer after the command was applied. */
  answered: boolean;
  ms: number;
  /** The request's x-request-id header, when it had one. */
  requestId: string | undefined;
}

export interface RecordedRequest {
  method: string;
  /** The pathname, without the query string. */
  path: string;
  /** The query string including its "?", or "". */
  search: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  at: number;
}

export type Fault =
  /** Answer this instead. */
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** Read the request and never answer; the socket stays open until close(). */
  | { kind: "hang" }
  /** Read the request and destroy the socket without answering; nothing is applied. */
  | { kind: "reset" }
  /** Apply the command, then destroy the socket: the answer is lost. */
  | { kind: "resetAfterApply" }
  /** Apply the command, then never answer. */
  | { kind: "hangAfterApply" }
  /** Extra delay on top of latencyMs, then normal handling. */
  | { kind: "latency"; ms: number };

export interface FaultRule {
  method?: string;
  /** A string matches the pathname exactly. */
  path?: string | RegExp;
  /** Default: unlimited. */
  times?: number;
  fault: Fault;
}

export interface SimulatorStats {
  commandsInFlight: number;
  maxCommandsInFlight: number;
  requestsInFlight: number;
  maxRequestsInFlight: number;
}

export interface OmsSimulator {
  /** e.g. http://127.0.0.1:40123, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The /api requests in arrival order. */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** Rules are checked in the order added; a rule with `times` runs out. */
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Restores the demo data and clears requests, faults and counters. */
  reset(): void;
  /** A deep copy of the current state. */
  getPackage(id: number): OmsPackage | undefined;
  setPackage(pkg: OmsPackage): void;
  /** A snapshot; maxima count since start or the last reset(). */
  readonly stats: SimulatorStats;
  /** Stops listening and destroys every open socket, hung ones included. */
  close(): Promise<void>;
}
