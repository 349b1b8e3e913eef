/**
 * Rules of the configuration that stand on their own: the default body limit, the length of
 * production secrets, the OMS transition and status maps, and the carrier tracking URL templates.
 * config.ts applies them.
 */
import { pairs, withoutCredentials } from "./config-values.js";
import { PACKAGE_STATUSES, type PackageStatus } from "./domain/package.js";
import { PACKAGE_FILTER_FIELDS, type PackageFilterField } from "./domain/package-list.js";
import type { TransitionConfig } from "./domain/shipment.js";
import { TRACKING_NUMBER_PLACEHOLDER, type TrackingUrlOverrides } from "./domain/tracking-urls.js";

export const BODY_BYTES_PER_BULK_ITEM = 2_048;
export const BODY_BYTES_FOR_DOCUMENT = 64_000;

/** MAX_BODY_BYTES when unset: about 1 MB with the default BULK_MAX_ITEMS of 500. */
export function defaultMaxBodyBytes(bulkMaxItems: number): number {
  return BODY_BYTES_FOR_DOCUMENT + bulkMaxItems * BODY_BYTES_PER_BULK_ITEM;
}

/** The shortest secret production accepts: guessable secrets guard the company's OMS key. */
export const MIN_SECRET_LENGTH = 16;

/** Production's problems with short secrets: which entry and how long, never what it holds. */
export function shortSecrets(
  apiKeys: readonly string[],
  routerSecret: string | null,
  metricsToken: string | null,
): string[] {
  const problems: string[] = [];
  apiKeys.forEach((key, i) => {
    if (key.length < MIN_SECRET_LENGTH) {
      problems.push(
        `API_KEYS: entry ${i + 1} of ${apiKeys.length} has ${key.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
      );
    }
  });
  if (routerSecret !== null && routerSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `ROUTER_SECRET has ${routerSecret.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
    );
  }
  if (metricsToken !== null && metricsToken.length < MIN_SECRET_LENGTH) {
    problems.push(
      `METRICS_TOKEN has ${metricsToken.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
    );
  }
  return problems;
}

/** `packed:41,shipped:42` or one bare id for every status. */
export function parseTransitions(raw: string, problems: string[]): TransitionConfig {
  const byStatus = new Map<PackageStatus, number>();
  if (/^\s*\d+\s*$/.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id) && id > 0) return { kind: "single", id };
  }
  for (const [key, value] of pairs(raw)) {
    const status = key.toLowerCase() as PackageStatus;
    const id = Number(value);
    if (!PACKAGE_STATUSES.includes(status) || status === "other") {
      problems.push(
        `OMS_SHIPMENT_TRANSITIONS: unknown status "${key}" (expected one of ${knownStatuses()}).`,
      );
    } else if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0) {
      problems.push(
        `OMS_SHIPMENT_TRANSITIONS: transition id for "${key}" must be a positive integer, got "${value}".`,
      );
    } else {
      byStatus.set(status, id);
    }
  }
  return { kind: "perStatus", byStatus };
}

/** `600:shipped,700:delivered`. */
export function parseStatusMap(raw: string, problems: string[]): Map<string, PackageStatus> {
  const map = new Map<string, PackageStatus>();
  for (const [key, value] of pairs(raw)) {
    const status = value.toLowerCase() as PackageStatus;
    if (!/^\d+$/.test(key)) {
      problems.push(`OMS_STATUS_MAP: "${key}" is not an OMS state number (enum_value).`);
    } else if (!PACKAGE_STATUSES.includes(status) || status === "other") {
      problems.push(
        `OMS_STATUS_MAP: unknown status "${value}" for ${key} (expected one of ${knownStatuses()}).`,
      );
    } else {
      map.set(key, status);
    }
  }
  return map;
}

/** The package list's query parameter per filter field; null: the OMS cannot be asked for that field. */
export type PackageFilterParams = Readonly<Record<PackageFilterField, string | null>>;

export const DEFAULT_PACKAGE_FILTER_PARAMS: PackageFilterParams = {
  status: "state__enum_value__in",
  cargoCompanyId: "shipment__cargo_company",
  orderNumber: "order__number",
  createdAfter: "created_date__gte",
  createdBefore: "created_date__lte",
};

// Private: names are put into OMS URLs as they are, so only plain query parameter names pass.
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * `OMS_PACKAGE_IDS_PARAM`: unset → `id__in`; set but empty → null (packages are read one by one).
 */
export function parseIdsParam(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined) return "id__in";
  const name = raw.trim();
  if (name === "") return null;
  if (!PARAM_NAME.test(name)) {
    problems.push(
      `OMS_PACKAGE_IDS_PARAM must be a query parameter name such as id__in, or empty, got "${name}".`,
    );
    return "id__in";
  }
  return name;
}

/**
 * `OMS_PACKAGE_FILTER_PARAMS`: `field:param` pairs over the defaults; `field:` (no name) turns a
 * filter off, so that asking for it is refused instead of silently ignored by the OMS.
 */
export function parseFilterParams(raw: string, problems: string[]): PackageFilterParams {
  const params: Record<PackageFilterField, string | null> = { ...DEFAULT_PACKAGE_FILTER_PARAMS };
  for (const item of raw.split(",")) {
    if (item.trim() === "") continue;
    const colon = item.indexOf(":");
    const field = (colon < 0 ? item : item.slice(0, colon)).trim() as PackageFilterField;
    const name = colon < 0 ? undefined : item.slice(colon + 1).trim();
    if (!PACKAGE_FILTER_FIELDS.includes(field)) {
      problems.push(
        `OMS_PACKAGE_FILTER_PARAMS: unknown filter "${field}" (expected one of ${PACKAGE_FILTER_FIELDS.join(", ")}).`,
      );
    } else if (name === undefined || (name !== "" && !PARAM_NAME.test(name))) {
      problems.push(
        `OMS_PACKAGE_FILTER_PARAMS: "${item.trim()}" must be ${field}:<query parameter name>, or ${field}: to turn it off.`,
      );
    } else {
      params[field] = name === "" ? null : name;
    }
  }
  return params;
}

function knownStatuses(): string {
  return PACKAGE_STATUSES.filter((s) => s !== "other").join(", ");
}

const TRACKING = "CARRIER_TRACKING_URLS";

/**
 * `yurtici=https://…?code={trackingNumber};id:7=https://…/{trackingNumber}`: pairs separated by `;`
 * (templates hold `,` and `=` in their queries, so the pair splits at its first `=`), each keyed by a
 * `shipping_company` code or `id:<cargo company id>`.
 */
export function parseTrackingUrls(raw: string, problems: string[]): TrackingUrlOverrides {
  const byCode = new Map<string, string>();
  const byId = new Map<number, string>();
  for (const item of raw.split(";")) {
    if (item.trim() === "") continue;
    const at = item.indexOf("=");
    const key = (at < 0 ? item : item.slice(0, at)).trim();
    const template = at < 0 ? "" : item.slice(at + 1).trim();
    const problem = at < 0 ? `"${key}" needs the form code=template` : templateProblem(key, template);
    const id = /^id:\d+$/i.test(key) ? Number(key.slice(3)) : null;
    const code = key.toLowerCase();
    if (problem !== null) {
      problems.push(`${TRACKING}: ${problem}.`);
    } else if (id === null ? byCode.has(code) : byId.has(id)) {
      problems.push(`${TRACKING}: "${key}" is given twice.`);
    } else if (id === null) {
      byCode.set(code, template);
    } else {
      byId.set(id, template);
    }
  }
  return { byCode, byId };
}

// Private: a template becomes a link in someone's browser, so it must be an http(s) URL once filled
// in (never javascript: or a relative path), and carry the number somewhere.
function templateProblem(key: string, template: string): string | null {
  if (/^id:/i.test(key)) {
    const id = Number(key.slice(3));
    if (!/^id:\d+$/i.test(key) || !Number.isSafeInteger(id) || id <= 0) {
      return `"${key}" must be id: and a positive cargo company id`;
    }
  } else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key)) {
    return `"${key}" is not a shipping_company code (letters, digits, _ . -) nor id:<cargo company id>`;
  }
  if (!template.includes(TRACKING_NUMBER_PLACEHOLDER)) {
    return `the template for "${key}" must contain ${TRACKING_NUMBER_PLACEHOLDER}, got "${withoutCredentials(template)}"`;
  }
  const filled = template.replaceAll(TRACKING_NUMBER_PLACEHOLDER, "0");
  const url = URL.canParse(filled) ? new URL(filled) : null;
  if (
    url === null ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username ||
    url.password
  ) {
    return `the template for "${key}" must be an http(s) URL without credentials, got "${withoutCredentials(template)}"`;
  }
  return null;
}
