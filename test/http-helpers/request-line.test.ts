/**
 * The request line: its time field by the millisecond, its fields, names, order and level, through
 * the logger's redaction; and parseTarget reading a request target as a URL object would.
 */
import { type IncomingMessage, type ServerResponse } from "node:http";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseTarget } from "../../src/http/io.js";
import { logRequest } from "../../src/http/request-log.js";
import { createLogger, isoTimeByMillisecond } from "../../src/logger.js";
import { Metrics } from "../../src/metrics.js";
import { cleanups } from "../helpers/listen.js";

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("isoTimeByMillisecond (the log lines' time)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("formats the current millisecond as pino's time field, and follows the clock", () => {
    vi.useFakeTimers();
    const time = isoTimeByMillisecond();
    vi.setSystemTime(new Date("2026-11-25T10:00:00.123Z"));
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.123Z"');
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.123Z"');
    vi.setSystemTime(new Date("2026-11-25T10:00:00.124Z"));
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.124Z"');
    vi.setSystemTime(new Date("2027-01-01T00:00:00.000Z"));
    expect(JSON.parse(`{${time().slice(1)}}`)).toEqual({ time: "2027-01-01T00:00:00.000Z" });
  });
});

describe("logRequest (the request line)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function capture() {
    const lines: string[] = [];
    return { lines, stream: { write: (line: string) => lines.push(line) } };
  }
  const req = { method: "POST" } as IncomingMessage;
  const answered = (statusCode: number, stats?: object) =>
    ({ statusCode, locals: stats && { stats } }) as unknown as ServerResponse;
  const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  const line = (path: string, requestId: string, started = performance.now(), traceId?: string) => ({
    path,
    requestId,
    started,
    traceId,
  });

  it("writes the request's fields under these names, in this order", () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00.123Z"));
    const { lines, stream } = capture();
    const log = createLogger("info", stream);
    const stats = {
      operation: "mutation updatePackageShipment",
      outcome: "ShipmentUpdated",
      omsCalls: [{ route: "command", method: "POST", status: 204, ms: 3 }],
    };
    const arrived = performance.now() - 12.4;
    logRequest(log, new Metrics(), req, answered(200, stats), line("/graphql", 'r"1\\', arrived, TRACE_ID));
    logRequest(log, new Metrics(), req, answered(200), line("/subgraph", "r2"));
    expect(lines).toStrictEqual([
      '{"level":"info","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r\\"1\\\\",' +
        `"trace_id":"${TRACE_ID}",` +
        '"method":"POST","path":"/graphql","status":200,"operation":"mutation updatePackageShipment",' +
        '"outcome":"ShipmentUpdated","oms":[{"route":"command","method":"POST","status":204,"ms":3}],"ms":12,' +
        '"msg":"request"}\n',
      '{"level":"info","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r2",' +
        '"method":"POST","path":"/subgraph","status":200,"operation":null,"outcome":null,"oms":[],"ms":0,' +
        '"msg":"request"}\n',
    ]);
  });

  it("writes a failed or refused request at warn, with its code, caller and packages", () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00.123Z"));
    const { lines, stream } = capture();
    const log = createLogger("info", stream);
    const stats = {
      operation: "UpdateShipment",
      outcome: "OMS_OUTCOME_UNKNOWN",
      code: "OMS_OUTCOME_UNKNOWN",
      caller: "key:0123456789abcdef",
      packageIds: ["1001"],
      omsCalls: [{ route: "command", method: "POST", status: 502, ms: 3 }],
    };
    logRequest(log, new Metrics(), req, answered(200, stats), line("/graphql", "r1"));
    const refused = Object.assign(answered(401), { refusedWith: "UNAUTHENTICATED" });
    logRequest(log, new Metrics(), req, refused, line("/graphql", "r2"));
    logRequest(log, new Metrics(), req, answered(415), line("/subgraph", "r3"));
    expect(lines).toStrictEqual([
      '{"level":"warn","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r1",' +
        '"method":"POST","path":"/graphql","status":200,"operation":"UpdateShipment",' +
        '"outcome":"OMS_OUTCOME_UNKNOWN","code":"OMS_OUTCOME_UNKNOWN","caller":"key:0123456789abcdef",' +
        '"packageIds":["1001"],"oms":[{"route":"command","method":"POST","status":502,"ms":3}],"ms":0,' +
        '"msg":"request"}\n',
      '{"level":"warn","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r2",' +
        '"method":"POST","path":"/graphql","status":401,"operation":null,"outcome":null,' +
        '"code":"UNAUTHENTICATED","caller":null,"packageIds":[],"oms":[],"ms":0,"msg":"request"}\n',
      '{"level":"warn","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r3",' +
        '"method":"POST","path":"/subgraph","status":415,"operation":null,"outcome":null,' +
        '"code":"HTTP_415","caller":null,"packageIds":[],"oms":[],"ms":0,"msg":"request"}\n',
    ]);
  });

  it("writes health checks and scrapes at debug, below the usual level", () => {
    const { lines, stream } = capture();
    for (const level of ["info", "debug"]) {
      const log = createLogger(level, stream);
      for (const path of ["/health/live", "/health/ready", "/metrics"]) {
        logRequest(log, new Metrics(), req, answered(200), line(path, "r1"));
      }
    }
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "debug", path: "/health/live" },
      { level: "debug", path: "/health/ready" },
      { level: "debug", path: "/metrics" },
    ]);
  });

  it("goes through the logger's redaction", () => {
    const { lines, stream } = capture();
    const log = pino({ redact: { paths: ["requestId", "oms[*].method"], censor: "[redacted]" } }, stream);
    const stats = { omsCalls: [{ route: "command", method: "POST", status: 204, ms: 3 }] };
    logRequest(log, new Metrics(), req, answered(200, stats), line("/graphql", "secret-looking"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("secret-looking");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: "[redacted]",
      oms: [{ route: "command", method: "[redacted]", status: 204 }],
    });
  });
});

describe("parseTarget", () => {
  it.each([
    ["/graphql", "/graphql", ""],
    ["/graphql?", "/graphql", ""],
    ["/graphql?query={a}", "/graphql", "?query={a}"],
    ["/graphql?query=%7Ba%7D&operationName=X", "/graphql", "?query=%7Ba%7D&operationName=X"],
    ["/health/live#top", "/health/live", ""],
    ["/graphql?query={a}#x", "/graphql", "?query={a}"],
    ["/", "/", ""],
  ])("%j → path %j, query %j", (raw, pathname, search) => {
    expect(parseTarget(raw)).toEqual({ pathname, search });
  });

  it("reads a missing target as /", () => {
    expect(parseTarget(undefined)).toEqual({ pathname: "/", search: "" });
  });

  it("gives the same GraphQL parameters a URL object would", () => {
    const raw = "/graphql?query=%7B%20__typename%20%7D&variables=%7B%7D&operationName=A+B";
    const ours = new URLSearchParams(parseTarget(raw).search);
    const theirs = new URL(raw, "http://gateway").searchParams;
    for (const name of ["query", "variables", "operationName"]) expect(ours.get(name)).toBe(theirs.get(name));
  });
});
