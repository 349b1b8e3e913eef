/**
 * What a chunk's answer means: per-row answers when the gateway ran it, or whether the chunk may be
 * sent again (nothing reached the OMS), may have run (the answer was lost), or was refused for good.
 * Statuses here are the gateway's own answers to the import, not the OMS's.
 */

/** One item of the bulk answer. */
export interface ItemAnswer {
  result: string;
  code: string;
  message: string;
  outcomeKnown: boolean;
  /** Field paths of a ValidationError with their messages, e.g. `trackingNumber`. */
  fields: Array<{ field: string; message: string }>;
}

/** What came of one attempt at a chunk. */
export type ChunkAttempt =
  | { kind: "answered"; items: ItemAnswer[]; replayed: boolean; recovered: boolean }
  /** Nothing of it reached the OMS (refused connection, 429, 503): the rows may be sent again. */
  | { kind: "notSent"; reason: string }
  /** The request may have been run and the answer was lost (reset, timeout, a proxy's 502/504). */
  | { kind: "lost"; reason: string };

/** The gateway refused the chunk for good (bad key, too many inputs, a broken answer). */
export class ChunkRefused extends Error {
  override name = "ChunkRefused";
}

/** Codes of a whole call that commanded nothing. */
const NOT_SENT_CODES = new Set([
  "OMS_UNAVAILABLE",
  "OMS_RATE_LIMITED",
  "SHUTTING_DOWN",
  "IDEMPOTENCY_STORE_UNAVAILABLE",
]);

interface RawItem {
  __typename?: string;
  message?: string;
  code?: string;
  outcomeKnown?: boolean;
  fieldErrors?: Array<{ path?: string[]; code?: string; message?: string }>;
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: Array<{ message?: string; path?: Array<string | number>; extensions?: { code?: string } }>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * The attempt an answer to a chunk of `expected` inputs stands for.
 * @throws ChunkRefused when the gateway refused the chunk for good
 */
export function interpret(reply: Reply, expected: number): ChunkAttempt {
  const { status, headers, text } = reply;
  let body: GraphQLBody<{ updatePackageShipments?: RawItem[] | null }> | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a proxy's error page, described by its status below.
  }
  const items = body?.data?.updatePackageShipments;
  if (status === 200 && Array.isArray(items)) {
    if (items.length !== expected) {
      throw new ChunkRefused(`The gateway answered ${items.length} results for ${expected} inputs.`);
    }
    return {
      kind: "answered",
      items: items.map(toAnswer),
      replayed: headers["idempotent-replayed"] === "true",
      recovered: headers["idempotent-recovered"] === "true",
    };
  }
  const first = body?.errors?.[0];
  const code = first?.extensions?.code;
  const detail = first?.message ? `${first.message}${code ? ` (${code})` : ""}` : text.slice(0, 200).trim();
  const http = detail === "" ? `HTTP ${status}` : `HTTP ${status}: ${detail}`;
  if ([408, 425, 429, 503].includes(status)) return { kind: "notSent", reason: http };
  // A proxy's 502/504, or the key still running elsewhere: the chunk may be running or have run. A
  // federation router passes the gateway's 409 on as a 200 with the code kept.
  if ([409, 500, 502, 504].includes(status) || code === "IDEMPOTENCY_KEY_IN_PROGRESS")
    return { kind: "lost", reason: http };
  if (status === 200) {
    const codes = (body?.errors ?? []).map((e) => e.extensions?.code ?? "");
    if (codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c)))
      return { kind: "notSent", reason: detail };
    throw new ChunkRefused(`The gateway refused the chunk: ${detail || "no results"}${hint(code)}`);
  }
  throw new ChunkRefused(`${http}${hint(code ?? String(status))}`);
}

// Private: what an operator can do about the failures that need one.
function hint(code: string | undefined): string {
  switch (code) {
    case "BAD_USER_INPUT":
      return ". If the gateway allows fewer inputs per call, lower IMPORT_CHUNK_SIZE.";
    case "PAYLOAD_TOO_LARGE":
    case "413":
      return ". Lower IMPORT_CHUNK_SIZE.";
    case "UNAUTHENTICATED":
    case "401":
    case "403":
      return ". Check IMPORT_API_KEY.";
    default:
      return "";
  }
}

function toAnswer(item: RawItem): ItemAnswer {
  const result = item.__typename ?? "UNKNOWN";
  const fields = (item.fieldErrors ?? []).map((e) => ({
    field: String(e.path?.at(-1) ?? "input"),
    message: e.message ?? "",
  }));
  const code =
    result === "ValidationError"
      ? [...new Set((item.fieldErrors ?? []).map((e) => e.code ?? ""))].filter((c) => c !== "").join(";")
      : (item.code ?? "");
  return {
    result,
    code,
    message: item.message ?? "",
    outcomeKnown: result === "CommandFailed" ? item.outcomeKnown === true : true,
    fields,
  };
}
