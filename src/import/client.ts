/**
 * The import's calls to the gateway: a chunk through the bulk mutation with its Idempotency-Key,
 * a probe asking whether the gateway still holds a key, package reads to verify, and the cargo
 * company list. Every call says plainly whether anything may have been sent to the OMS.
 */
import { Agent, request } from "undici";
import { type ChunkAttempt, type GraphQLBody, interpret, type Reply } from "./chunk-answer.js";

/** One input of the bulk mutation, as sent. */
export interface ShipmentInput {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
  queryNumber?: string;
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

/** Connection failures before a byte of the request went out. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

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
    return "failure" in reply ? "unreachable" : keyHeldIn(reply);
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

/** Whether an answer refuses the request because its key is held (answered, or still running). */
export function heldCodeIn(text: string): boolean {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> };
    const code = body.errors?.[0]?.extensions?.code;
    return code === "IDEMPOTENCY_KEY_REUSED" || code === "IDEMPOTENCY_KEY_IN_PROGRESS";
  } catch {
    return false;
  }
}

/**
 * What the answer to the empty probe under a key says: held (a refusal for the key, as the gateway's
 * 409/422 or relayed by a router as a 200 with the code kept), free (the empty request ran: a 200 with
 * its empty list), or neither. Anything else, a router's own error in a 200 included, proves nothing,
 * and reading it as "free" would send the rows again under a new key while the first may still run.
 */
export function keyHeldIn(reply: Reply): boolean | "unreachable" {
  if (reply.status === 422 || reply.status === 409 || heldCodeIn(reply.text)) return true;
  if (reply.status !== 200) return "unreachable";
  try {
    const body = JSON.parse(reply.text) as GraphQLBody<{ updatePackageShipments?: unknown }>;
    return Array.isArray(body.data?.updatePackageShipments) ? false : "unreachable";
  } catch {
    return "unreachable";
  }
}
