/**
 * What an answer claims about each command of a request, in the audit's terms:
 * - `updated`: ShipmentUpdated, the command was applied;
 * - `not-applied`: ValidationError or CommandRejected, the OMS's final "no";
 * - `not-run`: a top-level error other than OMS_OUTCOME_UNKNOWN (HTTP 503 SHUTTING_DOWN and
 *   IDEMPOTENCY_STORE_UNAVAILABLE included), or a bulk CommandFailed with `outcomeKnown: true`;
 * - `unknown`: OMS_OUTCOME_UNKNOWN, or CommandFailed with `outcomeKnown: false`;
 * - `lost`: no answer at all (reset, refused, timed out), which tells nothing either;
 * - `in-progress`: 409 IDEMPOTENCY_KEY_IN_PROGRESS, which claims nothing yet.
 */
export type AnswerClass = "updated" | "not-applied" | "not-run" | "unknown" | "lost" | "in-progress";

export const ANSWER_CLASSES: readonly AnswerClass[] = [
  "updated",
  "not-applied",
  "not-run",
  "unknown",
  "lost",
  "in-progress",
];

export interface ItemAnswer {
  class: AnswerClass;
  /** The error or rejection code, the union member otherwise. */
  code: string;
  /** The error's message, when the answer has one. */
  message?: string;
  /** What the union member names: its package id, or the tracking number of a ShipmentUpdated. */
  about?: string;
}

type Json = Record<string, unknown>;

/**
 * @param status the HTTP status, or null when no answer arrived
 * @param body the parsed JSON body (anything when it was not JSON)
 */
export function classifyAnswer(
  kind: "single" | "bulk",
  size: number,
  status: number | null,
  body: unknown,
  transportError = "NO_ANSWER",
): ItemAnswer[] {
  const all = (answer: ItemAnswer) => Array.from({ length: size }, () => answer);
  if (status === null) return all({ class: "lost", code: transportError });
  const json = (typeof body === "object" && body !== null ? body : {}) as Json;
  const data = (json.data ?? null) as Json | null;
  const field = data?.[kind === "single" ? "updatePackageShipment" : "updatePackageShipments"];
  if (kind === "single" && isObject(field)) return [member(field)];
  if (kind === "bulk" && Array.isArray(field)) {
    if (field.length !== size) return all({ class: "not-run", code: "WRONG_ITEM_COUNT" });
    return field.map((item) => (isObject(item) ? member(item) : { class: "not-run", code: "NULL_ITEM" }));
  }
  const error = firstError(json);
  const code = error.code ?? `HTTP_${status}`;
  const message = error.message;
  if (code === "OMS_OUTCOME_UNKNOWN") return all({ class: "unknown", code, message });
  if (status === 409 && code === "IDEMPOTENCY_KEY_IN_PROGRESS") {
    return all({ class: "in-progress", code, message });
  }
  return all({ class: "not-run", code, message });
}

function member(item: Json): ItemAnswer {
  const typename = String(item.__typename);
  switch (typename) {
    case "ShipmentUpdated": {
      const shipment = isObject(item.shipment) ? item.shipment : {};
      return { class: "updated", code: typename, about: String(shipment.trackingNumber) };
    }
    case "ValidationError":
      return { class: "not-applied", code: typename };
    case "CommandRejected":
      return { class: "not-applied", code: String(item.code ?? typename), about: String(item.packageId) };
    case "CommandFailed":
      return {
        class: item.outcomeKnown === false ? "unknown" : "not-run",
        code: String(item.code),
        message: String(item.message),
        about: String(item.packageId),
      };
    default:
      return { class: "not-run", code: `UNEXPECTED_${typename}` };
  }
}

function firstError(json: Json): { code: string | null; message: string } {
  const errors = json.errors;
  if (!Array.isArray(errors) || errors.length === 0) return { code: null, message: "" };
  const first = errors[0] as { message?: unknown; path?: unknown; extensions?: { code?: unknown } };
  const where = Array.isArray(first.path) ? ` at ${first.path.join(".")}` : "";
  return {
    code: typeof first.extensions?.code === "string" ? first.extensions.code : null,
    message: `${String(first.message)}${where}`,
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
