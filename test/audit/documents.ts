/**
 * What the audit's caller sends: the GraphQL document and variables of a planned request, and how
 * each attempt spells them.
 */
import { API_KEYS } from "./gateway.js";
import type { PlannedRequest } from "./schedule.js";

const SHIPMENT = "shipment { trackingNumber queryNumber }";
const PACKAGE = "package { id label { url updatedAt } }";

export interface Spelling {
  authorization: string;
  body: string;
}

// Private: a retry is the same request, but not always spelled the same: another JSON serialiser
// orders keys differently, a document gets a comment or loses a space, a library writes the auth
// scheme in another case. The key's scope and fingerprint must not depend on any of that.
export function spelling(plan: PlannedRequest, body: RequestBody, attempt: number): Spelling {
  const apiKey = API_KEYS[plan.caller];
  switch (attempt % 3) {
    case 1:
      return { authorization: `Bearer ${apiKey}`, body: JSON.stringify(body) };
    case 2:
      return {
        authorization: `bearer ${apiKey}`,
        body: JSON.stringify({
          variables: reversed(body.variables),
          query: body.query.replaceAll(" {", "{"),
        }),
      };
    default:
      return {
        authorization: `BEARER  ${apiKey}`,
        body: JSON.stringify({ ...body, query: `# attempt ${attempt}\n${body.query}` }, null, 2),
      };
  }
}

/** The same JSON value with the keys of every object in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

export interface RequestBody {
  query: string;
  variables: unknown;
}

export function requestBody(plan: PlannedRequest): RequestBody {
  const updated = `... on ShipmentUpdated { ${SHIPMENT}${plan.selectPackage ? ` ${PACKAGE}` : ""} }`;
  const errors = "... on ValidationError { message } ... on CommandRejected { code packageId }";
  const inputs = plan.items.map((item) => ({
    packageId: String(item.packageId),
    cargoCompanyId: String(item.values.cargo_company),
    trackingNumber: item.values.awb_number,
    queryNumber: item.values.query_number,
  }));
  if (plan.kind === "single") {
    return {
      query:
        "mutation AuditSingle($input: UpdatePackageShipmentInput!) {\n" +
        `  updatePackageShipment(input: $input) { __typename ${updated} ${errors} }\n}`,
      variables: { input: inputs[0] },
    };
  }
  return {
    query:
      "mutation AuditBulk($inputs: [UpdatePackageShipmentInput!]!) {\n" +
      `  updatePackageShipments(inputs: $inputs) { __typename ${updated} ${errors} ` +
      "... on CommandFailed { code message packageId outcomeKnown } }\n}",
    variables: { inputs },
  };
}
