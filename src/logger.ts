/**
 * JSON log lines for operators (pino). Credentials are redacted by path as a second line of defence:
 * the code never puts the OMS token, a caller's key or an idempotency key into a log object in the
 * first place.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** Lines are written in batches of this many bytes at least, or every FLUSH_INTERVAL_MS. */
const BATCH_BYTES = 4096;
const FLUSH_INTERVAL_MS = 500;

export function createLogger(level: string, destination?: DestinationStream): Logger {
  let stream = destination;
  if (stream === undefined) {
    // One write per request line is a syscall per request under load; batching keeps the hot path
    // cheap, and the timer bounds how long a line can wait when traffic is low.
    const boom = pino.destination({ fd: 1, sync: false, minLength: BATCH_BYTES });
    setInterval(() => boom.flush(), FLUSH_INTERVAL_MS).unref();
    stream = boom;
  }
  return pino(
    {
      level,
      base: { service: "oms-graph" },
      timestamp: isoTimeByMillisecond(),
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ["authorization", "token", "idempotencyKey", "headers.authorization", "headers.cookie"],
        censor: "[redacted]",
      },
    },
    stream,
  );
}

/**
 * pino's ISO timestamp, formatted once per millisecond: under load several lines share a
 * millisecond, and formatting a date costs more than the rest of a short line.
 */
export function isoTimeByMillisecond(): () => string {
  let last = -1;
  let text = "";
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/**
 * Writes one line of pino's format from a body serialised by the caller (`"key":value,...`), with
 * the logger's own level label, time and bindings. For the per-request line, whose shape is fixed:
 * serialising it directly costs a fraction of pino's generic path over an object (key walk,
 * redaction, safe stringify). The caller guarantees the body holds no credentials.
 */
export function writeRawLine(log: Logger, level: "info" | "debug", body: string, msg: string): void {
  if (!log.isLevelEnabled(level)) return;
  const internals = log as unknown as Record<symbol, unknown>;
  const time = (internals[pino.symbols.timeSym] as () => string)();
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const stream = internals[pino.symbols.streamSym] as DestinationStream;
  stream.write(`{"level":"${level}"${time}${bindings},${body},"msg":${JSON.stringify(msg)}}\n`);
}

/** Writes out what is still buffered; for the moment before the process exits. */
export function flushLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}
