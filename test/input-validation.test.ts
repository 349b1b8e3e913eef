/**
 * The gateway's own checks of the update-shipment input: each rule answers a ValidationError with the
 * exact path and code, all problems of one input come back together, and nothing reaches the OMS.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type UpdatePackageShipmentInput, UpdateShipmentOnlyDocument } from "./generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

type Field = "packageId" | "cargoCompanyId" | "trackingNumber" | "queryNumber" | "transitionId";

interface ExpectedFieldError {
  path: string[];
  message: string;
  code: string;
}

const MESSAGES = {
  invalidId: (field: Field, value: string) =>
    `${field} must be a positive integer id, got ${JSON.stringify(value)}.`,
  trackingLength: "trackingNumber must be 1 to 64 characters after trimming.",
  trackingChars: "trackingNumber must not contain control characters.",
  queryLength: "queryNumber must be at most 64 characters.",
  queryChars: "queryNumber must not contain control characters.",
  transition: "transitionId must be a positive integer.",
};

const problem = (field: Field, message: string, code: string): ExpectedFieldError => ({
  path: ["input", field],
  message,
  code,
});

/** A valid input for package 1001. No transitionId: a package read before validation would show. */
const valid = (overrides: Partial<UpdatePackageShipmentInput> = {}): UpdatePackageShipmentInput => ({
  packageId: "1001",
  cargoCompanyId: "2",
  trackingNumber: "AR-1",
  ...overrides,
});

type UpdateResult = GraphQLResult<{
  updatePackageShipment:
    | { __typename: "ValidationError"; message: string; fieldErrors: ExpectedFieldError[] }
    | { __typename: string };
}>;

function expectRefusedLocally(h: Harness, res: UpdateResult, fieldErrors: ExpectedFieldError[]): void {
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  const first = fieldErrors[0]?.message ?? "";
  const message = fieldErrors.length === 1 ? first : `${first} (and ${fieldErrors.length - 1} more problems)`;
  expect(res.body.data?.updatePackageShipment).toStrictEqual({
    __typename: "ValidationError",
    message,
    fieldErrors,
  });
  expect(h.sim.requests).toHaveLength(0);
}

// ---------------------------------------------------------------------------------------------

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

const send = (input: UpdatePackageShipmentInput) => h.gql(UpdateShipmentOnlyDocument, { input });

describe.each(["packageId", "cargoCompanyId"] as const)("%s", (field) => {
  it.each([
    "0",
    "-1",
    "1.5",
    " 1",
    "1 ",
    "01",
    "1e3",
    "0x10",
    "abc",
    "",
    "9007199254740993",
    "9007199254740992",
  ])("refuses %j as INVALID_ID", async (value) => {
    const res = await send(valid({ [field]: value }));

    expectRefusedLocally(h, res, [problem(field, MESSAGES.invalidId(field, value), "INVALID_ID")]);
  });
});

describe("the largest safe integer is a valid id, which the OMS then looks up", () => {
  const max = Number.MAX_SAFE_INTEGER;

  it("as packageId it is sent in the command path", async () => {
    const res = await send(valid({ packageId: String(max), transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toMatchObject({
      __typename: "ValidationError",
      fieldErrors: [{ path: ["input", "packageId"], code: "PACKAGE_NOT_FOUND" }],
    });
    expect(h.commands().map((r) => r.path)).toStrictEqual([`/api/v1/oms/packages/${max}/command/`]);
  });

  it("as cargoCompanyId it is sent as a JSON number", async () => {
    const res = await send(valid({ cargoCompanyId: String(max), transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toMatchObject({
      __typename: "ValidationError",
      fieldErrors: [{ path: ["input", "cargoCompanyId"], code: "OMS_VALIDATION" }],
    });
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: "AR-1",
      cargo_company: max,
    });
  });
});

describe("trackingNumber", () => {
  it.each([
    ["empty", ""],
    ["spaces only", "    "],
    ["tabs and newlines only", "\t\n "],
    ["65 characters", "A".repeat(65)],
    ["65 characters inside spaces", ` ${"A".repeat(65)} `],
  ])("refuses %s as INVALID_LENGTH", async (_, trackingNumber) => {
    const res = await send(valid({ trackingNumber }));

    expectRefusedLocally(h, res, [problem("trackingNumber", MESSAGES.trackingLength, "INVALID_LENGTH")]);
  });

  it.each([
    ["a NUL", "AR\u00001"],
    ["a newline inside", "AR\n1"],
    ["a tab inside", "AR\t1"],
    ["a zero-width space (a format character)", "AR\u200b1"],
    ["a right-to-left mark", "AR\u200f1"],
    ["a DEL", "AR\u007f1"],
  ])("refuses %s as INVALID_CHARACTERS", async (_, trackingNumber) => {
    const res = await send(valid({ trackingNumber }));

    expectRefusedLocally(h, res, [problem("trackingNumber", MESSAGES.trackingChars, "INVALID_CHARACTERS")]);
  });

  it("reports both problems of a value that is too long and has a control character", async () => {
    const res = await send(valid({ trackingNumber: `${"A".repeat(70)}\u0000B` }));

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toHaveLength(2);
    expect(result.fieldErrors).toEqual(
      expect.arrayContaining([
        problem("trackingNumber", MESSAGES.trackingLength, "INVALID_LENGTH"),
        problem("trackingNumber", MESSAGES.trackingChars, "INVALID_CHARACTERS"),
      ]),
    );
    expect(h.sim.requests).toHaveLength(0);
  });

  it("accepts exactly 64 characters, after trimming, and sends them", async () => {
    const tracking = "T".repeat(64);
    const res = await send(valid({ trackingNumber: `  ${tracking}  `, transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: tracking, queryNumber: null },
    });
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: tracking,
      cargo_company: 2,
    });
  });

  it("accepts letters of any script and sends them unchanged", async () => {
    const res = await send(valid({ trackingNumber: "ÇĞŞ-İÖÜ-ığ 7", transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "ÇĞŞ-İÖÜ-ığ 7", queryNumber: null },
    });
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: "ÇĞŞ-İÖÜ-ığ 7",
      cargo_company: 2,
    });
  });
});

describe("queryNumber", () => {
  it("refuses 65 characters as INVALID_LENGTH", async () => {
    const res = await send(valid({ queryNumber: "Q".repeat(65) }));

    expectRefusedLocally(h, res, [problem("queryNumber", MESSAGES.queryLength, "INVALID_LENGTH")]);
  });

  it.each([
    ["a NUL", "Q\u00001"],
    ["a newline inside", "Q\n1"],
    ["a zero-width space", "Q\u200b1"],
    ["a paragraph separator (U+2029)", "Q\u20291"],
  ])("refuses %s as INVALID_CHARACTERS", async (_, queryNumber) => {
    const res = await send(valid({ queryNumber }));

    expectRefusedLocally(h, res, [problem("queryNumber", MESSAGES.queryChars, "INVALID_CHARACTERS")]);
  });

  it("accepts exactly 64 characters and sends them", async () => {
    const query = "Q".repeat(64);
    const res = await send(valid({ queryNumber: query, transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "AR-1", queryNumber: query },
    });
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: "AR-1",
      cargo_company: 2,
      query_number: query,
    });
  });

  it.each([
    ["empty", ""],
    ["spaces only", "   "],
    ["null", null],
  ])("%s means none: the command is sent without query_number", async (_, queryNumber) => {
    const res = await send(valid({ queryNumber, transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "AR-1", queryNumber: null },
    });
    const sent = h.commands()[0]?.json as Record<string, unknown>;
    expect(sent).toStrictEqual({ transition_id: 41, awb_number: "AR-1", cargo_company: 2 });
    expect(Object.hasOwn(sent, "query_number")).toBe(false);
  });
});

describe("transitionId", () => {
  it.each([0, -1, -2147483648])("refuses %i as OUT_OF_RANGE", async (transitionId) => {
    const res = await send(valid({ transitionId }));

    expectRefusedLocally(h, res, [problem("transitionId", MESSAGES.transition, "OUT_OF_RANGE")]);
  });
});

describe("several problems at once", () => {
  it("reports every problem of the input together, in field order, and calls the OMS not at all", async () => {
    const res = await send({
      packageId: "0",
      cargoCompanyId: "-1",
      trackingNumber: " ",
      queryNumber: "Q".repeat(65),
      transitionId: 0,
    });

    expectRefusedLocally(h, res, [
      problem("packageId", MESSAGES.invalidId("packageId", "0"), "INVALID_ID"),
      problem("cargoCompanyId", MESSAGES.invalidId("cargoCompanyId", "-1"), "INVALID_ID"),
      problem("trackingNumber", MESSAGES.trackingLength, "INVALID_LENGTH"),
      problem("queryNumber", MESSAGES.queryLength, "INVALID_LENGTH"),
      problem("transitionId", MESSAGES.transition, "OUT_OF_RANGE"),
    ]);
  });

  it("reports two problems with the summary naming the first", async () => {
    const res = await send(valid({ cargoCompanyId: "x", trackingNumber: "A\u0000" }));

    expectRefusedLocally(h, res, [
      problem("cargoCompanyId", MESSAGES.invalidId("cargoCompanyId", "x"), "INVALID_ID"),
      problem("trackingNumber", MESSAGES.trackingChars, "INVALID_CHARACTERS"),
    ]);
  });
});

describe("what is sent after validation", () => {
  it("sends the trimmed tracking and query numbers, keeping inner spaces", async () => {
    const res = await send(
      valid({ trackingNumber: "  AR 77  ", queryNumber: "\tQ-77 \n", transitionId: 41 }),
    );

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "AR 77", queryNumber: "Q-77" },
    });
    expect(h.commands()).toHaveLength(1);
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: "AR 77",
      cargo_company: 2,
      query_number: "Q-77",
    });
    expect(h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "AR 77",
      query_number: "Q-77",
      cargo_company: 2,
    });
  });

  it("sends ids given as JSON numbers as JSON numbers", async () => {
    const res = await send(valid({ packageId: 1001, cargoCompanyId: 6, transitionId: 41 }));

    expect(res.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
    expect(h.commands()[0]?.path).toBe("/api/v1/oms/packages/1001/command/");
    expect(h.commands()[0]?.json).toStrictEqual({ transition_id: 41, awb_number: "AR-1", cargo_company: 6 });
  });
});

describe("input the schema itself refuses", () => {
  it("a missing required field is a GraphQL error, and the OMS is not called", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: "1001", cargoCompanyId: "2" } as UpdatePackageShipmentInput,
    });

    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.body.errors?.[0]?.message).toContain("trackingNumber");
    expect(h.sim.requests).toHaveLength(0);
  });
});
