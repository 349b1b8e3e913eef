/**
 * A GraphQL client in one function: POST the document and its variables with fetch, and tell apart
 * what a screen shows differently. Business outcomes (a union such as UpdatePackageShipmentResult)
 * are data; top-level errors (OMS_UNAVAILABLE, OMS_OUTCOME_UNKNOWN, UNAUTHENTICATED, …) mean the
 * request did not get its answer and are thrown as GatewayError.
 */
import type { TypedDocumentString } from "../../../schema/client/graphql.js";

export interface GatewayOptions {
  /** e.g. http://127.0.0.1:4000/graphql */
  endpoint: string;
  /** Sent as `Authorization: Bearer <key>` when the gateway checks its callers (API_KEYS). */
  apiKey?: string;
}

export interface GraphQLErrorBody {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; retryAfterSeconds?: number };
}

export interface Answer<TResult> {
  data: TResult;
  /** Errors beside the data, e.g. a `package` read that failed after the command was applied. */
  errors: readonly GraphQLErrorBody[];
  /** The gateway's id of the request, for a support ticket (exposed to browsers by CORS). */
  requestId: string | null;
  /** True when the gateway answered from its Idempotency-Key store without running anything. */
  replayed: boolean;
}

/** The request got no answer of its own: nothing to show but the code and "try again" (or not). */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly requestId: string | null,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = "GatewayError";
  }

  /** The command may or may not have been applied: read the package before trying again. */
  get outcomeUnknown(): boolean {
    return this.code === "OMS_OUTCOME_UNKNOWN";
  }
}

export async function execute<TResult, TVariables>(
  gateway: GatewayOptions,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  headers: Record<string, string> = {},
): Promise<Answer<TResult>> {
  const response = await fetch(gateway.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "apollographql-client-name": "oms-graph-frontend-example",
      ...(gateway.apiKey ? { authorization: `Bearer ${gateway.apiKey}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const requestId = response.headers.get("x-request-id");
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorBody[] };
  const errors = body.errors ?? [];
  if (body.data == null) {
    const first = errors[0];
    throw new GatewayError(
      first?.message ?? `HTTP ${response.status}`,
      first?.extensions?.code ?? `HTTP_${response.status}`,
      requestId,
      first?.extensions?.retryAfterSeconds ?? null,
    );
  }
  return {
    data: body.data,
    errors,
    requestId,
    replayed: response.headers.get("idempotent-replayed") === "true",
  };
}

/** Makes a `switch` over a union exhaustive: a member added to the schema fails the build here. */
export function unreachable(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
