/**
 * Requests a broken client, a browser on another site or an attacker could send to /graphql, and
 * the checks every hostile-input spec shares: a refusal has a stable status and code, and the
 * gateway still serves afterwards.
 */
import { Readable } from "node:stream";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { type Harness, startHarness } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

export interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLError[] };
  text: string;
}

export interface Sent {
  method?: "GET" | "POST" | "PUT";
  /** Search parameters of a GET. */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Readable;
}

/** One request with exactly the headers given: nothing is added but Host and the body's framing. */
export async function send(h: Harness, sent: Sent): Promise<Answer> {
  const url = new URL(`${h.url}/graphql`);
  for (const [key, value] of Object.entries(sent.params ?? {})) url.searchParams.set(key, value);
  const res = await request(url, {
    method: sent.method ?? "POST",
    headers: sent.headers ?? {},
    body: sent.body ?? null,
  });
  const text = await res.body.text();
  let body: Answer["body"] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Left empty: the test looks at `text` and `status`.
  }
  return { status: res.statusCode, headers: res.headers, body, text };
}

export const JSON_TYPE = { "content-type": "application/json" };

export function postJson(
  h: Harness,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(h, { headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(payload) });
}

/** The code of the only error, after checking there is exactly one. */
export function onlyCode(answer: Answer): unknown {
  expect(answer.body.errors, answer.text.slice(0, 500)).toHaveLength(1);
  return answer.body.errors?.[0]?.extensions?.code;
}

/** A refusal before anything ran: the status, one error with the code, no data. */
export function expectRefused(answer: Answer, status: number, code: string, message?: string | RegExp): void {
  expect({ status: answer.status, code: onlyCode(answer) }, answer.text.slice(0, 500)).toStrictEqual({
    status,
    code,
  });
  expect(answer.body.data).toBeUndefined();
  if (typeof message === "string") expect(answer.body.errors?.[0]?.message).toBe(message);
  else if (message) expect(answer.body.errors?.[0]?.message).toMatch(message);
}

/** A refusal before anything ran that reports several problems, in this order. */
export function expectRefusedAll(answer: Answer, status: number, codes: string[]): void {
  expect(
    { status: answer.status, codes: answer.body.errors?.map((e) => e.extensions?.code) },
    answer.text.slice(0, 500),
  ).toStrictEqual({ status, codes });
  expect(answer.body.data).toBeUndefined();
}

/** A command answered as data: a ValidationError on one input field, and nothing sent to the OMS. */
export function expectInvalidField(
  h: Harness,
  answer: Answer,
  field: string,
  message: string,
  code: string,
): void {
  expect(answer.status).toBe(200);
  expect(answer.body.data?.updatePackageShipment).toStrictEqual({
    __typename: "ValidationError",
    message,
    fieldErrors: [fieldError(field, message, code)],
  });
  expect(h.sim.requests).toHaveLength(0);
}

export const CSRF_MESSAGE =
  /^This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/;

/** A command that would change package 1001 if it ran: a refusal must leave the OMS untouched. */
export const COMMAND =
  'mutation { updatePackageShipment(input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "HOSTILE-1", transitionId: 41 }) { __typename } }';

export const RESULT_FIELDS = `__typename
  ... on ShipmentUpdated { shipment { trackingNumber queryNumber } }
  ... on ValidationError { message fieldErrors { path message code } }
  ... on CommandRejected { code packageId }`;

export const SINGLE = `mutation Single($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) { ${RESULT_FIELDS} }
}`;

export const BULK = `mutation Bulk($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) { ${RESULT_FIELDS} ... on CommandFailed { code packageId outcomeKnown } }
}`;

export const valid = (overrides: Record<string, unknown> = {}) => ({
  packageId: "1001",
  cargoCompanyId: "2",
  trackingNumber: "HOSTILE-1",
  transitionId: 41,
  ...overrides,
});

export const fieldError = (field: string, message: string, code: string, parent: string[] = ["input"]) => ({
  path: [...parent, field],
  message,
  code,
});

export const TRACKING_LENGTH = "trackingNumber must be 1 to 64 characters after trimming.";
export const TRACKING_CHARACTERS = "trackingNumber must not contain control characters.";
export const invalidId = (field: string, value: string) =>
  `${field} must be a positive integer id, got ${JSON.stringify(value)}.`;

/** A normal read still works and the process is live: whatever came before did not break it. */
export async function expectHealthy(h: Harness, headers: Record<string, string> = {}): Promise<void> {
  const live = await request(`${h.url}/health/live`);
  expect(live.statusCode).toBe(200);
  expect(await live.body.json()).toStrictEqual({ status: "live" });
  const read = await postJson(h, { query: '{ package(id: "1001") { id status } }' }, headers);
  expect(read.status).toBe(200);
  expect(read.body).toStrictEqual({ data: { package: { id: "1001", status: "PACKED" } } });
}

/**
 * The gateway hostile requests are sent to, for the enclosing describe: a fresh simulator for each
 * case, and after each the proof that the gateway still serves.
 */
export function hostileGateway(): { readonly h: Harness } {
  let h: Harness;
  beforeAll(async () => {
    // A limit of round numbers, smaller than the default, which is sized for the largest bulk call.
    h = await startHarness({ MAX_BODY_BYTES: "100000" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());
  afterEach(async () => {
    await expectHealthy(h);
  });
  return {
    get h() {
      return h;
    },
  };
}
