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
 * pino's ISO timestamp (its `timestamp` option: a function returning the `,"time":...` part of the
 * line), formatted once per millisecond: under load several lines share a millisecond, and
 * formatting a date costs more than the rest of a short line.
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

/** Writes out what is still buffered; for the moment before the process exits. */
export function flushLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}
