/**
 * Reads the error bodies the OMS sends with 4xx answers. No verbatim example is public, so this accepts
 * every Akinon / Django REST framework shape seen nearby and degrades to empty details on anything else.
 * Raw non-JSON text is never returned: it may be a proxy's HTML page, which must not reach callers.
 */
import { isObject, type JsonObject } from "../json.js";

/** Errors of one input field, under the field name the OMS used (nested names joined by dots). */
export interface OmsFieldError {
  field: string;
  messages: string[];
}

/** What could be learned from an OMS error body; every part may be missing. */
export interface OmsErrorDetails {
  message: string | null;
  code: string | null;
  fieldErrors: OmsFieldError[];
  nonFieldErrors: string[];
}

// Private: limits keep a hostile or runaway body from producing unbounded output or work.
const MAX_BODY_CHARS = 2_000_000;
const MAX_TEXT = 500;
const MAX_FIELDS = 50;
const MAX_MESSAGES = 10;
const MAX_DEPTH = 3;
// Private: callers may index maps by field name, so these names are never handed out.
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Json = JsonObject;

function blank(): OmsErrorDetails {
  return { message: null, code: null, fieldErrors: [], nonFieldErrors: [] };
}

function frozenBlank(): Readonly<OmsErrorDetails> {
  const details = blank();
  Object.freeze(details.fieldErrors);
  Object.freeze(details.nonFieldErrors);
  return Object.freeze(details);
}

/** The details of a body that told nothing; frozen, so it can be shared. */
export const EMPTY_ERROR_DETAILS: Readonly<OmsErrorDetails> = frozenBlank();

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

// Private: list items are sometimes numbers; null, booleans and non-finite numbers carry no message.
function text(value: unknown): string | null {
  if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) return null;
  const trimmed = String(value).trim().slice(0, MAX_TEXT).trim();
  return trimmed === "" ? null : trimmed;
}

// Private: DRF sends a list of messages, but a bare string (or a list of lists) shows up too.
function messages(value: unknown, depth: number, into: string[] = []): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  for (const item of items) {
    if (into.length >= MAX_MESSAGES) break;
    if (Array.isArray(item)) {
      if (depth < MAX_DEPTH) messages(item, depth + 1, into);
    } else {
      const message = text(item);
      if (message !== null) into.push(message);
    }
  }
  return into;
}

// Private: nested serializers give objects (and lists of objects, one per item); their paths are dotted.
function collectField(path: string, value: unknown, depth: number, out: OmsErrorDetails): void {
  if (out.fieldErrors.length >= MAX_FIELDS) return;
  const found = messages(value, depth);
  if (found.length > 0) out.fieldErrors.push({ field: path.slice(0, MAX_TEXT), messages: found });
  if (depth >= MAX_DEPTH) return;
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (!UNSAFE_KEYS.has(key)) collectField(`${path}.${key}`, child, depth + 1, out);
    }
  } else if (Array.isArray(value)) {
    for (const [index, child] of value.entries()) {
      if (isObject(child)) collectField(`${path}.${index}`, child, depth + 1, out);
    }
  }
}

// Private: `code`, `message` and friends are metadata only when scalar; a list there is a field named so.
function readErrors(source: Json, out: OmsErrorDetails, withFields: boolean): void {
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    if (isScalar(value) && (key === "message" || key === "detail")) out.message ??= text(value);
    else if (isScalar(value) && key === "code") out.code ??= text(value);
    else if (isScalar(value) && key === "status_code") continue;
    else if (!withFields) continue;
    else if (key === "non_field_errors") messages(value, 0, out.nonFieldErrors);
    else collectField(key, value, 0, out);
  }
}

function fromJson(json: unknown): OmsErrorDetails {
  const out = blank();
  if (typeof json === "string") out.message = text(json);
  else if (Array.isArray(json)) messages(json, 0, out.nonFieldErrors);
  else if (isObject(json)) {
    const envelope = Object.hasOwn(json, "error") ? json.error : undefined;
    if (isObject(envelope)) readErrors(envelope, out, true);
    else if (Array.isArray(envelope)) messages(envelope, 0, out.nonFieldErrors);
    else if (typeof envelope === "string") out.message = text(envelope);
    // Private: beside an `error` envelope the other top-level keys are metadata, never field names.
    readErrors(json, out, envelope === undefined);
  }
  const first = out.fieldErrors[0];
  out.message ??=
    out.nonFieldErrors[0] ?? (first ? `${first.field}: ${first.messages[0]}`.slice(0, MAX_TEXT) : null);
  return out;
}

/**
 * Extracts the OMS's message, code and field errors from an error body. Never throws, whatever the input:
 * empty, HTML, truncated, oversized or unexpected bodies give details equal to {@link EMPTY_ERROR_DETAILS}.
 * Strings are trimmed and capped at 500 characters, with at most 50 field errors and 10 messages per list.
 */
export function parseOmsErrorBody(
  body: string | null | undefined,
  contentType?: string | null,
): OmsErrorDetails {
  try {
    if (typeof body !== "string" || body.length > MAX_BODY_CHARS) return blank();
    const trimmed = body.trim();
    const html = typeof contentType === "string" && /html/i.test(contentType);
    if (trimmed === "" || html || trimmed.startsWith("<")) return blank();
    return fromJson(JSON.parse(trimmed));
  } catch {
    return blank();
  }
}
