import { describe, expect, it } from "vitest";
import { EMPTY_ERROR_DETAILS, type OmsErrorDetails, parseOmsErrorBody } from "../src/oms/error-body.js";

function details(partial: Partial<OmsErrorDetails>): OmsErrorDetails {
  return { message: null, code: null, fieldErrors: [], nonFieldErrors: [], ...partial };
}

const empty = details({});

// Each row is [name, body, expected].
const shapes: [string, string, OmsErrorDetails][] = [
  [
    "field errors inside the error envelope",
    '{"error": {"awb_number": ["This field may not be blank."], "cargo_company": ["Invalid pk \\"99\\"."]}, "status_code": 400}',
    details({
      message: "awb_number: This field may not be blank.",
      fieldErrors: [
        { field: "awb_number", messages: ["This field may not be blank."] },
        { field: "cargo_company", messages: ['Invalid pk "99".'] },
      ],
    }),
  ],
  [
    "non-field errors inside the error envelope",
    '{"error": {"non_field_errors": ["Package status is not suitable."]}, "status_code": 400}',
    details({
      message: "Package status is not suitable.",
      nonFieldErrors: ["Package status is not suitable."],
    }),
  ],
  [
    "code and message inside the error envelope",
    '{"error": {"code": "transition_not_allowed", "message": "Transition is not allowed."}}',
    details({ message: "Transition is not allowed.", code: "transition_not_allowed" }),
  ],
  [
    "batch request status code",
    '{"error": {"code": "batch_request_status_100_1", "message": "Package is being processed."}}',
    details({ message: "Package is being processed.", code: "batch_request_status_100_1" }),
  ],
  [
    "code beside field errors in the envelope",
    '{"error": {"code": "invalid", "awb_number": ["Too long."]}}',
    details({
      message: "awb_number: Too long.",
      code: "invalid",
      fieldErrors: [{ field: "awb_number", messages: ["Too long."] }],
    }),
  ],
  ["error as text", '{"error": "Package is locked."}', details({ message: "Package is locked." })],
  [
    "error as a list",
    '{"error": ["First.", "Second."]}',
    details({ message: "First.", nonFieldErrors: ["First.", "Second."] }),
  ],
  ["DRF detail", '{"detail": "Not found."}', details({ message: "Not found." })],
  [
    "DRF detail with code",
    '{"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}',
    details({ message: "Authentication credentials were not provided.", code: "not_authenticated" }),
  ],
  [
    "DRF serializer errors at top level",
    '{"awb_number": ["This field is required."], "transition_id": ["A valid integer is required."]}',
    details({
      message: "awb_number: This field is required.",
      fieldErrors: [
        { field: "awb_number", messages: ["This field is required."] },
        { field: "transition_id", messages: ["A valid integer is required."] },
      ],
    }),
  ],
  [
    "DRF non_field_errors list",
    '{"non_field_errors": ["First.", "Second."]}',
    details({ message: "First.", nonFieldErrors: ["First.", "Second."] }),
  ],
  [
    "DRF non_field_errors as a plain string",
    '{"non_field_errors": "Only one."}',
    details({ message: "Only one.", nonFieldErrors: ["Only one."] }),
  ],
  [
    "JSON array of strings",
    '["Something went wrong."]',
    details({ message: "Something went wrong.", nonFieldErrors: ["Something went wrong."] }),
  ],
  ["JSON string", '"Something went wrong."', details({ message: "Something went wrong." })],
  [
    "field value as a plain string",
    '{"awb_number": "This field is required."}',
    details({
      message: "awb_number: This field is required.",
      fieldErrors: [{ field: "awb_number", messages: ["This field is required."] }],
    }),
  ],
  [
    "nested serializer",
    '{"shipment": {"awb_number": ["Too long."], "cargo_company": "Unknown."}}',
    details({
      message: "shipment.awb_number: Too long.",
      fieldErrors: [
        { field: "shipment.awb_number", messages: ["Too long."] },
        { field: "shipment.cargo_company", messages: ["Unknown."] },
      ],
    }),
  ],
  [
    "list of objects, one per item",
    '{"items": [{}, {"quantity": ["Must be positive."]}]}',
    details({
      message: "items.1.quantity: Must be positive.",
      fieldErrors: [{ field: "items.1.quantity", messages: ["Must be positive."] }],
    }),
  ],
  [
    "list of numbers",
    '{"transition_id": [1, 2.5]}',
    details({
      message: "transition_id: 1",
      fieldErrors: [{ field: "transition_id", messages: ["1", "2.5"] }],
    }),
  ],
  [
    "non-string messages",
    '{"awb_number": [42, null, true, "ok", {}, [], 1e999]}',
    details({ message: "awb_number: 42", fieldErrors: [{ field: "awb_number", messages: ["42", "ok"] }] }),
  ],
  ["numeric code and null message", '{"error": {"code": 406, "message": null}}', details({ code: "406" })],
  ["null detail", '{"detail": null}', empty],
  [
    "a field named code carries a list",
    '{"code": ["This field is required."]}',
    details({
      message: "code: This field is required.",
      fieldErrors: [{ field: "code", messages: ["This field is required."] }],
    }),
  ],
  [
    "strings are trimmed and empty ones dropped",
    '{"error": {"awb_number": ["  padded  ", "", "   "], "query_number": [], "cargo_company": [" "]}}',
    details({ message: "awb_number: padded", fieldErrors: [{ field: "awb_number", messages: ["padded"] }] }),
  ],
  [
    "top-level metadata beside the envelope, other keys ignored",
    '{"error": {"awb_number": ["x"]}, "message": "Validation failed", "status_code": 400, "request_id": "abc"}',
    details({ message: "Validation failed", fieldErrors: [{ field: "awb_number", messages: ["x"] }] }),
  ],
  [
    "the envelope's message wins over the top-level one",
    '{"error": {"code": "c", "message": "inner"}, "message": "outer", "code": "outer_code"}',
    details({ message: "inner", code: "c" }),
  ],
  [
    "byte order mark and surrounding whitespace",
    '\uFEFF \n {"detail": "Not found."} \n',
    details({ message: "Not found." }),
  ],
  ["empty object", "{}", empty],
  ["page-like object", '{"count": 3, "next": null, "results": []}', empty],
  ["JSON null", "null", empty],
  ["JSON number", "42", empty],
  ["JSON boolean", "true", empty],
  ["empty JSON array", "[]", empty],
  ["empty JSON string", '""', empty],
  ["error null", '{"error": null, "request_id": "abc"}', empty],
  ["error number", '{"error": 42}', empty],
];

describe("parseOmsErrorBody: shapes", () => {
  it.each(shapes)("%s", (_name, body, expected) => {
    expect(parseOmsErrorBody(body, "application/json")).toStrictEqual(expected);
  });

  it("reads JSON whatever the content type, unless it is HTML", () => {
    const body = '{"detail": "Not found."}';
    expect(parseOmsErrorBody(body).message).toBe("Not found.");
    expect(parseOmsErrorBody(body, null).message).toBe("Not found.");
    expect(parseOmsErrorBody(body, "application/problem+json; charset=utf-8").message).toBe("Not found.");
    expect(parseOmsErrorBody(body, "text/plain").message).toBe("Not found.");
    expect(parseOmsErrorBody(body, "text/html; charset=utf-8")).toStrictEqual(empty);
  });
});

describe("parseOmsErrorBody: hostile and broken bodies", () => {
  const html =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
    "<body><h1>502 Bad Gateway</h1><p>upstream oms-internal.example:8443</p></body></html>";

  it.each([
    ["empty string", ""],
    ["whitespace", " \n\t\r "],
    ["HTML page with its content type", html, "text/html"],
    ["HTML page without a content type", html],
    ["HTML page labelled as JSON", `  ${html}`, "application/json"],
    ["plain text", "Bad Gateway: upstream oms-internal.example", "text/plain"],
    ["JSON truncated inside a string", '{"error": {"awb_number": ["This field may not be bl'],
    ["JSON truncated after a key", '{"error": {"code": "transition_not_allowed", "message"'],
  ] as [string, string, string?][])("%s gives empty details", (_name, body, contentType) => {
    const result = parseOmsErrorBody(body, contentType);
    expect(result).toStrictEqual(empty);
    expect(JSON.stringify(result)).not.toContain("oms-internal");
  });

  it("null and undefined give empty details", () => {
    expect(parseOmsErrorBody(null)).toStrictEqual(empty);
    expect(parseOmsErrorBody(undefined)).toStrictEqual(empty);
    expect(parseOmsErrorBody(undefined, undefined)).toStrictEqual(empty);
  });

  it("survives inputs of the wrong type from untyped callers", () => {
    const loose = parseOmsErrorBody as (body: unknown, contentType?: unknown) => OmsErrorDetails;
    for (const input of [42, {}, [], Symbol("x"), () => "{}", new Uint8Array(3)]) {
      expect(loose(input, 7)).toStrictEqual(empty);
    }
  });

  it("caps a huge message in a 1 MB body", () => {
    const body = JSON.stringify({ error: { code: "c".repeat(600), message: "m".repeat(1_000_000) } });
    const result = parseOmsErrorBody(body);
    expect(result.message).toBe("m".repeat(500));
    expect(result.code).toBe("c".repeat(500));
  });

  it("caps the number of fields in a 1 MB body of many fields", () => {
    const fields: Record<string, string[]> = {};
    for (let i = 0; i < 60_000; i++) fields[`field_${i}`] = ["bad"];
    const body = JSON.stringify(fields);
    expect(body.length).toBeGreaterThan(1_000_000);
    const result = parseOmsErrorBody(body);
    expect(result.fieldErrors).toHaveLength(50);
    expect(result.fieldErrors[0]).toStrictEqual({ field: "field_0", messages: ["bad"] });
    expect(result.fieldErrors[49]?.field).toBe("field_49");
  });

  it("caps messages per field, non-field errors, and long field names", () => {
    const longName = "f".repeat(800);
    const body = JSON.stringify({
      [longName]: Array.from({ length: 100 }, (_, i) => `message ${i}`),
      non_field_errors: Array.from({ length: 100 }, (_, i) => `general ${i}`),
    });
    const result = parseOmsErrorBody(body);
    expect(result.fieldErrors[0]?.field).toBe("f".repeat(500));
    expect(result.fieldErrors[0]?.messages).toStrictEqual(
      Array.from({ length: 10 }, (_, i) => `message ${i}`),
    );
    expect(result.nonFieldErrors).toHaveLength(10);
    expect(result.message).toBe("general 0");
  });

  it("caps the fallback message built from a field error", () => {
    const result = parseOmsErrorBody(JSON.stringify({ ["f".repeat(400)]: ["m".repeat(400)] }));
    expect(result.message).toHaveLength(500);
  });

  it("ignores an oversized body rather than parsing it", () => {
    const body = JSON.stringify({ detail: "d".repeat(3_000_000) });
    expect(parseOmsErrorBody(body)).toStrictEqual(empty);
  });

  it("stops at the depth cap on 10,000 nested arrays", () => {
    const deep = `${"[".repeat(10_000)}"buried"${"]".repeat(10_000)}`;
    expect(parseOmsErrorBody(deep)).toStrictEqual(empty);
    expect(parseOmsErrorBody(`{"error": ${deep}}`)).toStrictEqual(empty);
    expect(parseOmsErrorBody(`{"awb_number": ${deep}}`)).toStrictEqual(empty);
    expect(parseOmsErrorBody(`${"[".repeat(10_000)}${"]".repeat(10_000)}`)).toStrictEqual(empty);
  });

  it("stops at the depth cap on 10,000 nested objects", () => {
    const deep = `${'{"a": '.repeat(10_000)}["buried"]${"}".repeat(10_000)}`;
    expect(parseOmsErrorBody(deep)).toStrictEqual(empty);
    expect(parseOmsErrorBody(`{"error": ${deep}}`)).toStrictEqual(empty);
  });

  it("reads nesting up to the cap and not beyond", () => {
    expect(parseOmsErrorBody('{"a": {"b": {"c": {"d": ["x"]}}}}').fieldErrors).toStrictEqual([
      { field: "a.b.c.d", messages: ["x"] },
    ]);
    expect(parseOmsErrorBody('{"a": {"b": {"c": {"d": {"e": ["x"]}}}}}')).toStrictEqual(empty);
    expect(parseOmsErrorBody('[[["x"]], "y"]').nonFieldErrors).toStrictEqual(["x", "y"]);
  });

  it("neither pollutes prototypes nor reports unsafe keys", () => {
    const body =
      '{"__proto__": {"polluted": ["yes"]}, "constructor": {"prototype": {"polluted": ["yes"]}},' +
      ' "prototype": ["yes"], "shipment": {"__proto__": ["yes"]},' +
      ' "error_list": [{"__proto__": {"polluted": ["yes"]}}], "awb_number": ["bad"]}';
    const result = parseOmsErrorBody(body);
    expect(result).toStrictEqual(
      details({ message: "awb_number: bad", fieldErrors: [{ field: "awb_number", messages: ["bad"] }] }),
    );
    const enveloped = parseOmsErrorBody('{"error": {"__proto__": {"polluted": ["yes"]}, "code": "c"}}');
    expect(enveloped).toStrictEqual(details({ code: "c" }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it("hands out a frozen EMPTY_ERROR_DETAILS and fresh results", () => {
    expect(EMPTY_ERROR_DETAILS).toStrictEqual(empty);
    expect(Object.isFrozen(EMPTY_ERROR_DETAILS)).toBe(true);
    expect(Object.isFrozen(EMPTY_ERROR_DETAILS.fieldErrors)).toBe(true);
    expect(Object.isFrozen(EMPTY_ERROR_DETAILS.nonFieldErrors)).toBe(true);
    const result = parseOmsErrorBody("");
    expect(result).not.toBe(EMPTY_ERROR_DETAILS);
    result.nonFieldErrors.push("mine");
    expect(parseOmsErrorBody("").nonFieldErrors).toStrictEqual([]);
  });
});

describe("parseOmsErrorBody: fuzz", () => {
  // mulberry32: a tiny seeded generator, so any failure replays exactly.
  function prng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const fragments = [
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\n",
    '"',
    "\\",
    "<",
    "<html>",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    '"error"',
    '"detail"',
    '"message"',
    '"code"',
    '"status_code"',
    '"non_field_errors"',
    '"awb_number"',
    '"__proto__"',
    '"constructor"',
    '"prototype"',
    '"x"',
    '""',
    '"  "',
    '"\\u0000"',
    '"\\ud800"',
    '"é"',
    "400",
  ];

  function randomValue(next: () => number, depth: number): unknown {
    const roll = next();
    if (depth > 4 || roll < 0.3) {
      const scalars = [null, true, 42, -0.5, "", " msg ", "x".repeat(600), "__proto__"];
      return scalars[Math.floor(next() * scalars.length)];
    }
    const keys = [
      "error",
      "detail",
      "message",
      "code",
      "status_code",
      "non_field_errors",
      "awb_number",
      "__proto__",
    ];
    const size = Math.floor(next() * 4);
    if (roll < 0.6) return Array.from({ length: size }, () => randomValue(next, depth + 1));
    const object: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      Object.defineProperty(object, keys[Math.floor(next() * keys.length)] ?? "k", {
        value: randomValue(next, depth + 1),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return object;
  }

  function randomBody(next: () => number, index: number): string {
    if (index % 2 === 0) {
      const count = Math.floor(next() * 40);
      return Array.from({ length: count }, () => fragments[Math.floor(next() * fragments.length)]).join("");
    }
    const json = JSON.stringify(randomValue(next, 0)) ?? "";
    // Some structured bodies are cut short to exercise truncated JSON.
    return next() < 0.3 ? json.slice(0, Math.floor(next() * json.length)) : json;
  }

  function assertWellFormed(result: OmsErrorDetails): void {
    expect(Object.keys(result).sort()).toStrictEqual(["code", "fieldErrors", "message", "nonFieldErrors"]);
    for (const value of [result.message, result.code]) {
      expect(value === null || (typeof value === "string" && value.length > 0 && value.length <= 500)).toBe(
        true,
      );
    }
    expect(Array.isArray(result.nonFieldErrors)).toBe(true);
    expect(result.nonFieldErrors.length).toBeLessThanOrEqual(10);
    for (const message of result.nonFieldErrors) expect(typeof message).toBe("string");
    expect(Array.isArray(result.fieldErrors)).toBe(true);
    expect(result.fieldErrors.length).toBeLessThanOrEqual(50);
    for (const fieldError of result.fieldErrors) {
      expect(typeof fieldError.field).toBe("string");
      expect(fieldError.messages.length).toBeGreaterThan(0);
      expect(fieldError.messages.length).toBeLessThanOrEqual(10);
      for (const message of fieldError.messages) {
        expect(typeof message === "string" && message.length > 0 && message.length <= 500).toBe(true);
      }
    }
  }

  it("never throws and always returns well-formed details on 2,000 random bodies", () => {
    const next = prng(20_240_611);
    const contentTypes = [undefined, null, "application/json", "text/html", "text/plain"];
    for (let i = 0; i < 2_000; i++) {
      const body = randomBody(next, i);
      const contentType = contentTypes[Math.floor(next() * contentTypes.length)];
      let result: OmsErrorDetails | undefined;
      expect(() => {
        result = parseOmsErrorBody(body, contentType);
      }, body).not.toThrow();
      if (result) assertWellFormed(result);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
