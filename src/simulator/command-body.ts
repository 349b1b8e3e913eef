import { CARGO_COMPANY_IDS } from "./catalogue.js";
import type { Reply } from "./http-io.js";
import type { OmsValidationErrorBody } from "./wire.js";

export interface ShipmentCommand {
  transitionId: number;
  awbNumber: string;
  queryNumber: string | null;
  cargoCompany: number;
}

const MAX_LENGTH = 64;
const REQUIRED = "This field is required.";
const NOT_NULL = "This field may not be null.";
const TOO_LONG = `Ensure this field has no more than ${MAX_LENGTH} characters.`;

/** The Python type name DRF puts in its messages, since the real OMS is a Django application. */
function pythonType(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

// Booleans and numeric strings are rejected on purpose: a gateway sending them has a bug worth seeing.
const isInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value);

function validationError(errors: Record<string, string[]>): Reply {
  const json: OmsValidationErrorBody = { error: errors, status_code: 400 };
  return { status: 400, json };
}

/** Validates the command body like the OMS serializer: every field problem is reported in one answer. */
export function parseCommandBody(rawBody: string): { command: ShipmentCommand } | { reply: Reply } {
  let data: unknown = {};
  if (rawBody.trim() !== "") {
    try {
      data = JSON.parse(rawBody);
    } catch (error) {
      return {
        reply: validationError({ non_field_errors: [`JSON parse error - ${(error as Error).message}`] }),
      };
    }
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    const message = `Invalid data. Expected a dictionary, but got ${pythonType(data)}.`;
    return { reply: validationError({ non_field_errors: [message] }) };
  }
  const body = data as Record<string, unknown>;
  const errors: Record<string, string[]> = {};

  const { transition_id: transitionId, awb_number: awb, query_number: query, cargo_company: cargo } = body;
  if (transitionId === undefined) errors.transition_id = [REQUIRED];
  else if (transitionId === null) errors.transition_id = [NOT_NULL];
  else if (!isInteger(transitionId)) errors.transition_id = ["A valid integer is required."];

  // DRF trims CharField input before checking it, and stores the trimmed value.
  const awbNumber = typeof awb === "string" ? awb.trim() : undefined;
  if (awb === undefined) errors.awb_number = [REQUIRED];
  else if (awb === null) errors.awb_number = [NOT_NULL];
  else if (awbNumber === undefined) errors.awb_number = ["Not a valid string."];
  else if (awbNumber === "") errors.awb_number = ["This field may not be blank."];
  else if (awbNumber.length > MAX_LENGTH) errors.awb_number = [TOO_LONG];

  const queryNumber = typeof query === "string" ? query.trim() : null;
  if (query !== undefined && query !== null && typeof query !== "string")
    errors.query_number = ["Not a valid string."];
  else if (queryNumber !== null && queryNumber.length > MAX_LENGTH) errors.query_number = [TOO_LONG];

  if (cargo === undefined) errors.cargo_company = [REQUIRED];
  else if (cargo === null) errors.cargo_company = [NOT_NULL];
  else if (!isInteger(cargo))
    errors.cargo_company = [`Incorrect type. Expected pk value, received ${pythonType(cargo)}.`];
  else if (!CARGO_COMPANY_IDS.has(cargo))
    errors.cargo_company = [`Invalid pk "${cargo}" - object does not exist.`];

  if (Object.keys(errors).length > 0) return { reply: validationError(errors) };
  return {
    command: {
      transitionId: transitionId as number,
      awbNumber: awbNumber as string,
      queryNumber,
      cargoCompany: cargo as number,
    },
  };
}
