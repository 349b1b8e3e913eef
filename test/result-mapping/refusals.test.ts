/**
 * The contract's result mapping over real HTTP, refusal rows: the OMS's 400 and 404 become
 * ValidationError on the input paths, its 406 becomes CommandRejected with the OMS code, and input
 * refused locally never reaches the OMS.
 */
import { describe, expect, it, vi } from "vitest";
import { UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { commandPath, packagePath } from "../helpers/oms-paths.js";
import {
  expectCommandSent,
  input,
  mappingGateway,
  onNextCommand,
  POST_1001,
  routes,
} from "../helpers/result-mapping.js";

const gw = mappingGateway();

describe("400 → ValidationError", () => {
  it("maps the OMS's refusal of an unknown cargo company to input.cargoCompanyId", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ cargoCompanyId: "99" }) });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([
      {
        path: ["input", "cargoCompanyId"],
        message: 'Invalid pk "99" - object does not exist.',
        code: "OMS_VALIDATION",
      },
    ]);
    expect(result.message).toContain('Invalid pk "99" - object does not exist.');
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 99,
    });
    expect(gw.h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });

  const fields = {
    awb_number: ["Tracking number refused."],
    query_number: ["Query number refused.", "Query number too odd."],
    transition_id: ["Transition refused."],
    cargo_company: ["Cargo company refused."],
    weird: ["Something else refused."],
  };
  const everyFieldMapped = [
    { path: ["input", "trackingNumber"], message: "Tracking number refused.", code: "OMS_VALIDATION" },
    { path: ["input", "queryNumber"], message: "Query number refused.", code: "OMS_VALIDATION" },
    { path: ["input", "queryNumber"], message: "Query number too odd.", code: "OMS_VALIDATION" },
    { path: ["input", "transitionId"], message: "Transition refused.", code: "OMS_VALIDATION" },
    { path: ["input", "cargoCompanyId"], message: "Cargo company refused.", code: "OMS_VALIDATION" },
    { path: ["input"], message: "Something else refused.", code: "OMS_VALIDATION" },
  ];

  it.each([
    ["bare field errors", JSON.stringify(fields)],
    ["field errors in the error envelope", JSON.stringify({ error: fields, status_code: 400 })],
  ])("maps every OMS field name to its input path, and others to the input (%s)", async (_, body) => {
    gw.h.sim.injectFault(onNextCommand({ kind: "status", status: 400, body }));

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ queryNumber: "Q-1" }) });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual(everyFieldMapped);
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
  });

  it("maps non_field_errors (package 1005 is Waiting) to the input as a whole", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "1005", transitionId: 41 }),
    });

    const message =
      "Shipment info cannot be updated while the package is Waiting; " +
      "the package must be Packed, Shipped, Delivered or Attempted Delivery.";
    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([{ path: ["input"], message, code: "OMS_VALIDATION" }]);
    // The summary's wording is the gateway's; it must carry the OMS's own sentence.
    expect(result.message).toContain(message);
    expect(routes(gw.h)).toStrictEqual([`POST ${commandPath(1005)}`]);
    expectCommandSent(gw.h.commands()[0], 1005, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  it("turns a 400 whose body says nothing readable into one problem on the input, without echoing it", async () => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 400,
        body: "<html>proxy says no</html>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([
      { path: ["input"], message: "The OMS refused the input without saying why.", code: "OMS_VALIDATION" },
    ]);
    expect(result.message).toBe("The OMS refused the input without saying why.");
    expect(res.text).not.toContain("proxy says no");
    expect(res.text).not.toContain("html");
  });
});

describe("404 on the command → ValidationError on packageId", () => {
  it("when the command itself answers 404 (transitionId given, so no read first)", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ packageId: "999999" }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "The OMS has no package 999999.",
      fieldErrors: [
        {
          path: ["input", "packageId"],
          message: "The OMS has no package 999999.",
          code: "PACKAGE_NOT_FOUND",
        },
      ],
    });
    expect(routes(gw.h)).toStrictEqual([`POST ${commandPath(999999)}`]);
    expectCommandSent(gw.h.commands()[0], 999999, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  it("when the package read for the configured transition answers 404, and no command is sent", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "999999", transitionId: null }),
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "The OMS has no package 999999.",
      fieldErrors: [
        {
          path: ["input", "packageId"],
          message: "The OMS has no package 999999.",
          code: "PACKAGE_NOT_FOUND",
        },
      ],
    });
    expect(routes(gw.h)).toStrictEqual([`GET ${packagePath(999999)}`]);
  });
});

describe("406 → CommandRejected", () => {
  it.each([
    ["transition_not_found", 99, "Transition 99 does not exist."],
    [
      "transition_not_allowed",
      50,
      "Transition 50 moves a package from Packed to Shipped; updating shipment info needs a transition that keeps the status.",
    ],
    ["transition_state_mismatch", 42, "Transition 42 runs on Shipped packages, but package 1001 is Packed."],
  ])("passes on the OMS code %s and its message", async (code, transitionId, message) => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code,
      message,
      packageId: "1001",
    });
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: transitionId,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
    expect(gw.h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });

  it("passes on package_locked while another command on the same package is still running", async () => {
    gw.h.sim.injectFault(onNextCommand({ kind: "latency", ms: 400 }));

    const first = gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "LOCK-A" }) });
    await vi.waitFor(() => expect(gw.h.sim.stats.commandsInFlight).toBe(1), { timeout: 3_000, interval: 5 });
    const second = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "LOCK-B" }) });

    expect(second.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "package_locked",
      message: "Package 1001 is locked by another command; try again later.",
      packageId: "1001",
    });
    expect((await first).body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "LOCK-A", queryNumber: null },
    });
    expect(routes(gw.h)).toStrictEqual([POST_1001, POST_1001]);
    expectCommandSent(gw.h.commands()[1], 1001, {
      transition_id: 41,
      awb_number: "LOCK-B",
      cargo_company: 2,
    });
    expect(gw.h.sim.getPackage(1001)?.shipment?.awb_number).toBe("LOCK-A");
  });

  it.each([
    ["an empty body", undefined, undefined],
    ["an HTML page", "<html><body>406 Not Acceptable</body></html>", { "content-type": "text/html" }],
    ["JSON without a code", '{"unexpected": true}', undefined],
  ])("answers code COMMAND_REJECTED for a 406 with %s", async (_, body, headers) => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 406,
        ...(body === undefined ? {} : { body }),
        ...(headers ? { headers } : {}),
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "COMMAND_REJECTED",
      message: "The OMS rejected the command.",
      packageId: "1001",
    });
    expect(res.text).not.toContain("Not Acceptable");
  });

  it("keeps the OMS message of a 406 that has one but no code", async () => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 406,
        body: '{"error": {"message": "Package is being processed."}}',
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "COMMAND_REJECTED",
      message: "Package is being processed.",
      packageId: "1001",
    });
  });
});

describe("invalid input caught locally", () => {
  it("answers ValidationError and calls the OMS not at all", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "   " }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "trackingNumber must be 1 to 64 characters after trimming.",
      fieldErrors: [
        {
          path: ["input", "trackingNumber"],
          message: "trackingNumber must be 1 to 64 characters after trimming.",
          code: "INVALID_LENGTH",
        },
      ],
    });
    expect(gw.h.sim.requests).toHaveLength(0);
  });
});
