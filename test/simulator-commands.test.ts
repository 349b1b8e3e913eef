import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type OmsPackage, type OmsSimulator, startSimulator } from "../src/simulator/index.js";

let sim: OmsSimulator;
const authJson = { authorization: "Token demo-oms-token", "content-type": "application/json" };

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function command(id: number | string, body: unknown, headers: Record<string, string> = authJson) {
  const res = await fetch(`${sim.url}/api/v1/oms/packages/${id}/command/`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text === "" ? undefined : JSON.parse(text) };
}

const valid = (transition_id: number) => ({ transition_id, awb_number: "NEW-1", cargo_company: 4 });
const fieldErrors = (error: Record<string, string[]>) => ({ error, status_code: 400 });

describe("rule order", () => {
  it("checks authorization before anything else", async () => {
    const res = await command(999, "[]", { "content-type": "application/json" });
    expect(res).toMatchObject({
      status: 401,
      body: { detail: "Authentication credentials were not provided." },
    });
    const wrong = await command(1001, valid(41), { authorization: "Token nope" });
    expect(wrong).toMatchObject({ status: 401, body: { detail: "Invalid token." } });
    expect(sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });

  it.each(["999", "3000", "0", "-5", "abc", "1e3"])(
    "answers package %s with 404 even with a bad body",
    async (id) => {
      expect(await command(id, "[]")).toEqual({
        status: 404,
        text: '{"detail":"Not found."}',
        body: { detail: "Not found." },
      });
    },
  );

  it("reports field errors before the status error on a waiting package", async () => {
    const res = await command(1005, { transition_id: 41, awb_number: "", cargo_company: 1 });
    expect(res).toEqual({
      status: 400,
      text: expect.any(String),
      body: fieldErrors({ awb_number: ["This field may not be blank."] }),
    });
  });

  it("reports field errors before an unknown transition", async () => {
    const res = await command(1001, { transition_id: 99, awb_number: "A", cargo_company: 99 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(fieldErrors({ cargo_company: ['Invalid pk "99" - object does not exist.'] }));
  });

  it("reports an unknown transition before the status error", async () => {
    const res = await command(1005, valid(99));
    expect(res).toMatchObject({
      status: 406,
      body: { error: { code: "transition_not_found", message: "Transition 99 does not exist." } },
    });
  });

  it("reports a status-changing transition before the status error", async () => {
    const res = await command(1008, valid(50));
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe("transition_not_allowed");
    expect(res.body.error.message).toContain("Transition 50");
  });
});

describe("body validation", () => {
  it.each([
    ["[]", "list"],
    ['"text"', "str"],
    ["5", "int"],
    ["1.5", "float"],
    ["true", "bool"],
    ["null", "NoneType"],
  ])("refuses the non-object body %s", async (raw, type) => {
    const res = await command(1001, raw);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      fieldErrors({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] }),
    );
  });

  it("refuses malformed JSON", async () => {
    const res = await command(1001, "{not json");
    expect(res.status).toBe(400);
    expect(res.body.error.non_field_errors[0]).toMatch(/^JSON parse error - /);
  });

  it("treats an empty body as an empty object", async () => {
    const required = ["This field is required."];
    expect((await command(1001, "")).body).toEqual(
      fieldErrors({ transition_id: required, awb_number: required, cargo_company: required }),
    );
  });

  it("collects every field problem in one answer", async () => {
    const res = await command(1001, {
      transition_id: "41",
      awb_number: "",
      query_number: 5,
      cargo_company: 99,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      fieldErrors({
        transition_id: ["A valid integer is required."],
        awb_number: ["This field may not be blank."],
        query_number: ["Not a valid string."],
        cargo_company: ['Invalid pk "99" - object does not exist.'],
      }),
    );
  });

  const long = "X".repeat(65);
  it.each([
    ["transition_id", true, "A valid integer is required."],
    ["transition_id", "41", "A valid integer is required."],
    ["transition_id", 41.5, "A valid integer is required."],
    ["transition_id", null, "This field may not be null."],
    ["awb_number", 12345, "Not a valid string."],
    ["awb_number", "   ", "This field may not be blank."],
    ["awb_number", long, "Ensure this field has no more than 64 characters."],
    ["awb_number", null, "This field may not be null."],
    ["query_number", 7, "Not a valid string."],
    ["query_number", ["Q"], "Not a valid string."],
    ["query_number", long, "Ensure this field has no more than 64 characters."],
    ["cargo_company", "1", "Incorrect type. Expected pk value, received str."],
    ["cargo_company", true, "Incorrect type. Expected pk value, received bool."],
    ["cargo_company", 2.5, "Incorrect type. Expected pk value, received float."],
    ["cargo_company", 0, 'Invalid pk "0" - object does not exist.'],
    ["cargo_company", 9, 'Invalid pk "9" - object does not exist.'],
    ["cargo_company", null, "This field may not be null."],
  ])("refuses %s = %j", async (field, value, message) => {
    const res = await command(1001, { ...valid(41), [field]: value });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(fieldErrors({ [field]: [message] }));
  });

  it.each([
    ["awb_number", "A".repeat(64)],
    ["query_number", "Q".repeat(64)],
    ["query_number", null],
    ["cargo_company", 8],
  ])("accepts %s = %j", async (field, value) => {
    expect((await command(1001, { ...valid(41), [field]: value })).status).toBe(204);
  });
});

describe("every demo package with every transition", () => {
  const updatable: Record<number, number> = { 1001: 41, 1002: 42, 1003: 43, 1004: 44 };
  const blocked: Record<number, string> = {
    1005: "Waiting",
    1006: "Preparing",
    1007: "Delivery Failed",
    1008: "Cancelled",
  };
  const cases: [number, number, number, string][] = [];
  for (let id = 1001; id <= 1008; id++) {
    for (const transition of [41, 42, 43, 44, 50]) {
      if (transition === 50) cases.push([id, transition, 406, "transition_not_allowed"]);
      else if (blocked[id]) cases.push([id, transition, 400, blocked[id] as string]);
      else if (updatable[id] === transition) cases.push([id, transition, 204, ""]);
      else cases.push([id, transition, 406, "transition_state_mismatch"]);
    }
  }
  cases.push([1001, 99, 406, "transition_not_found"]);

  it.each(cases)("package %i, transition %i → %i %s", async (id, transition, status, detail) => {
    const before = sim.getPackage(id);
    const res = await command(id, valid(transition));
    expect(res.status).toBe(status);
    if (status === 204) {
      expect(res.text).toBe("");
      expect(sim.getPackage(id)?.shipment).toEqual({
        awb_number: "NEW-1",
        query_number: null,
        cargo_company: 4,
      });
      return;
    }
    if (status === 406) expect(res.body.error).toEqual({ code: detail, message: expect.any(String) });
    else {
      expect(res.body).toEqual(
        fieldErrors({ non_field_errors: [expect.stringContaining(`package is ${detail};`)] }),
      );
    }
    expect(sim.getPackage(id)).toEqual(before);
  });

  it("explains the refusals", async () => {
    expect((await command(1002, valid(41))).body.error.message).toBe(
      "Transition 41 runs on Packed packages, but package 1002 is Shipped.",
    );
    expect((await command(1007, valid(42))).body.error.non_field_errors).toEqual([
      "Shipment info cannot be updated while the package is Delivery Failed; " +
        "the package must be Packed, Shipped, Delivered or Attempted Delivery.",
    ]);
  });
});

describe("an accepted command", () => {
  it("replaces the shipment and regenerates the label", async () => {
    const before = sim.getPackage(1002) as OmsPackage;
    const started = Date.now();
    const res = await command(1002, {
      transition_id: 42,
      awb_number: " MN-77 ",
      query_number: "Q-77",
      cargo_company: 3,
    });
    expect(res).toEqual({ status: 204, text: "", body: undefined });

    const after = sim.getPackage(1002) as OmsPackage;
    expect(after.shipment).toEqual({ awb_number: "MN-77", query_number: "Q-77", cargo_company: 3 });
    expect(after.state).toEqual(before.state);
    expect(after.shipping_label?.url).toMatch(new RegExp(`^${sim.url}/labels/1002/\\d+\\.pdf$`));
    expect(after.shipping_label?.url).not.toBe(before.shipping_label?.url);
    expect(Date.parse(after.shipping_label?.modified_date as string)).toBeGreaterThanOrEqual(started - 1);
    expect(after.modified_date).toBe(after.shipping_label?.modified_date);
    expect(after.created_date).toBe(before.created_date);

    const read = await fetch(`${sim.url}/api/v1/oms/packages/1002/`, { headers: authJson });
    expect(await read.json()).toEqual(after);

    expect((await command(1002, valid(42))).status).toBe(204);
    const again = sim.getPackage(1002) as OmsPackage;
    expect(again.shipment).toEqual({ awb_number: "NEW-1", query_number: null, cargo_company: 4 });
    expect(again.shipping_label?.url).not.toBe(after.shipping_label?.url);
    expect((await fetch(again.shipping_label?.url as string)).status).toBe(200);
  });

  it("gives a package without a shipment its first one", async () => {
    expect((await command(2500, valid(41))).status).toBe(204);
    const pkg = sim.getPackage(2500) as OmsPackage;
    expect(pkg.shipment).toEqual({ awb_number: "NEW-1", query_number: null, cargo_company: 4 });
    expect(pkg.shipping_label?.url).toMatch(/\/labels\/2500\/\d+\.pdf$/);
  });

  it("reads the status of a package set by a test from its name when the number is unknown", async () => {
    sim.setPackage({
      id: 4000,
      number: null,
      state: { name: "Attempted Delivery", enum_value: "9999" },
      shipment: null,
      shipping_label: null,
    });
    expect((await command(4000, valid(44))).status).toBe(204);
    expect((await command(4000, valid(41))).body.error.code).toBe("transition_state_mismatch");
  });
});
