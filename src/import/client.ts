/**
 * The import's calls to the gateway: a chunk through the bulk mutation with its Idempotency-Key,
 * a probe asking whether the gateway still holds a key, package reads to verify, and the cargo
 * company list. Every call says plainly whether anything may have been sent to the OMS.
 */
import { Agent, request } from "undici";

/** One input of the bulk mutation, as sent. */
export interface ShipmentInput {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
  queryNumber?: string;
}

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

/** A package as the verification read sees it. */
export interface PackageView {
  trackingNumber: string | null;
  queryNumber: string | null;
  cargoCompanyId: string | null;
}

export interface ClientOptions {
  gatewayUrl: string;
  apiKey: string | null;
  timeoutMs: number;
}

// No `package` in the selection: it would cost the gateway an OMS read per row.
const MUTATION = `mutation ImportShipments($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) {
    __typename
    ... on MutationError { message }
    ... on ValidationError { fieldErrors { path code message } }
    ... on CommandRejected { code }
    ... on CommandFailed { code outcomeKnown }
  }
}`;

const CARGO_COMPANIES = "query ImportCargoCompanies { cargoCompanies { id name erpCode shippingCompany } }";
/** Packages per verification read: well inside the gateway's alias and token limits. */
export const READ_BATCH = 20;

/** Codes of a whole call that commanded nothing. */
const NOT_SENT_CODES = new Set([
  "OMS_UNAVAILABLE",
  "OMS_RATE_LIMITED",
  "SHUTTING_DOWN",
  "IDEMPOTENCY_STORE_UNAVAILABLE",
]);
/** Connection failures before a byte of the request went out. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

interface RawItem {
  __typename?: string;
  message?: string;
  code?: string;
  outcomeKnown?: boolean;
  fieldErrors?: Array<{ path?: string[]; code?: string; message?: string }>;
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: Array<{ message?: string; path?: Array<string | number>; extensions?: { code?: string } }>;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A connection to the gateway for the length of one import. */
export class GatewayClient {
  private readonly agent = new Agent({ connections: 2 });

  constructor(private readonly options: ClientOptions) {}

  /**
   * One attempt at one chunk.
   * @throws ChunkRefused when the gateway refused it for good
   */
  async send(key: string, inputs: readonly ShipmentInput[]): Promise<ChunkAttempt> {
    const reply = await this.post(
      { query: MUTATION, operationName: "ImportShipments", variables: { inputs } },
      key,
    );
    if ("failure" in reply) return reply.failure;
    return interpret(reply, inputs.length);
  }

  /**
   * Whether the gateway still holds `key` (running, or answered and kept). Asked with an empty list
   * under the key: a held key refuses another request (422 IDEMPOTENCY_KEY_REUSED); a free one runs
   * it, which commands nothing and is not kept.
   */
  async holds(key: string): Promise<boolean | "unreachable"> {
    const reply = await this.post(
      { query: MUTATION, operationName: "ImportShipments", variables: { inputs: [] } },
      key,
    );
    if ("failure" in reply) return "unreachable";
    if (reply.status === 422) return true;
    if (reply.status === 200) return false;
    return "unreachable";
  }

  /**
   * The packages' shipments as the OMS shows them now; a package the OMS does not have is null.
   * @throws Error when the read failed
   */
  async readPackages(ids: readonly string[]): Promise<Map<string, PackageView | null>> {
    const fields = ids.map(
      (id, i) =>
        `p${i}: package(id: ${JSON.stringify(id)}) { shipment { trackingNumber queryNumber cargoCompany { id } } }`,
    );
    type Data = Record<
      string,
      {
        shipment: {
          trackingNumber: string | null;
          queryNumber: string | null;
          cargoCompany: { id: string } | null;
        } | null;
      } | null
    >;
    const data = await this.query<Data>(`query ImportVerify {\n${fields.join("\n")}\n}`);
    const views = new Map<string, PackageView | null>();
    for (const [i, id] of ids.entries()) {
      const pkg = data[`p${i}`];
      if (pkg === undefined) throw new Error(`the gateway did not answer for package ${id}`);
      const shipment = pkg?.shipment ?? null;
      views.set(
        id,
        pkg === null
          ? null
          : {
              trackingNumber: shipment?.trackingNumber ?? null,
              queryNumber: shipment?.queryNumber ?? null,
              cargoCompanyId: shipment?.cargoCompany?.id ?? null,
            },
      );
    }
    return views;
  }

  /** @throws Error when the list cannot be read */
  async cargoCompanies(): Promise<
    Array<{ id: string; name: string; erpCode: string | null; shippingCompany: string | null }>
  > {
    type Entry = { id: string; name: string; erpCode: string | null; shippingCompany: string | null };
    return (await this.query<{ cargoCompanies: Entry[] }>(CARGO_COMPANIES)).cargoCompanies;
  }

  /** Closes the connections, so the process can exit without waiting for keep-alive to lapse. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async query<T>(query: string): Promise<T> {
    const reply = await this.post({ query }, null);
    if ("failure" in reply) throw new Error(reply.failure.reason);
    let body: GraphQLBody<T> | null = null;
    try {
      body = JSON.parse(reply.text) as GraphQLBody<T>;
    } catch {
      // Described by its status below.
    }
    const first = body?.errors?.[0];
    if (reply.status !== 200 || !body?.data || first !== undefined) {
      const code = first?.extensions?.code;
      throw new Error(
        first?.message
          ? `${first.message}${code ? ` (${code})` : ""}`
          : `HTTP ${reply.status} from the gateway`,
      );
    }
    return body.data;
  }

  private async post(
    body: unknown,
    key: string | null,
  ): Promise<Reply | { failure: ChunkAttempt & { kind: "notSent" | "lost" } }> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (key !== null) headers["idempotency-key"] = key;
    if (this.options.apiKey !== null) headers.authorization = `Bearer ${this.options.apiKey}`;
    try {
      const res = await request(this.options.gatewayUrl, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      const name = (error as { name?: string }).name;
      if (NOT_CONNECTED.has(code)) {
        return { failure: { kind: "notSent", reason: `cannot reach the gateway (${code})` } };
      }
      const reason =
        name === "TimeoutError" || name === "AbortError"
          ? `no answer from the gateway within ${this.options.timeoutMs} ms (IMPORT_TIMEOUT_MS)`
          : `the connection to the gateway failed (${code || (error as Error).message})`;
      return { failure: { kind: "lost", reason } };
    }
  }
}

function interpret(reply: Reply, expected: number): ChunkAttempt {
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
  // A proxy's 502/504, or the key still running elsewhere: the chunk may be running or have run.
  if ([409, 500, 502, 504].includes(status)) return { kind: "lost", reason: http };
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
