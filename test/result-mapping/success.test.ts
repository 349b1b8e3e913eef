/**
 * The contract's result mapping over real HTTP, success rows: a 204 is ShipmentUpdated with the
 * shipment from the command itself, a failed lazy package read stays ShipmentUpdated, and a 2xx
 * that is not the OMS's 204 is not taken for success.
 */
import { describe, expect, it } from "vitest";
import {
  UpdatePackageShipmentDocument,
  UpdatePackageShipmentWithPackageDocument,
  UpdateShipmentOnlyDocument,
} from "../generated/operations.js";
import { CARGO_LIST, packagePath } from "../helpers/oms-paths.js";
import {
  expectCommandSent,
  GET_1001,
  input,
  mappingGateway,
  onNextCommand,
  POST_1001,
  routes,
} from "../helpers/result-mapping.js";

const gw = mappingGateway();

describe("204 → ShipmentUpdated", () => {
  it("returns the shipment from the command itself, with no other OMS call when package is not selected", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, {
      input: input({ trackingNumber: "AR-204-1", queryNumber: "Q-204" }),
    });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toStrictEqual({
      updatePackageShipment: {
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: "AR-204-1", queryNumber: "Q-204" },
      },
    });
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-204-1",
      cargo_company: 2,
      query_number: "Q-204",
    });
    expect(gw.h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "AR-204-1",
      query_number: "Q-204",
      cargo_company: 2,
    });
  });

  it("sends no query_number when the caller gives none, and reports the shipment without one", async () => {
    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "AR-204-2" }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "AR-204-2", queryNumber: null },
    });
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-204-2",
      cargo_company: 2,
    });
  });

  it("costs one cargo company list read when the shipment's cargo company is selected", async () => {
    const res = await gw.h.gql(UpdatePackageShipmentDocument, {
      input: input({ trackingNumber: "AR-204-3" }),
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: {
        trackingNumber: "AR-204-3",
        queryNumber: null,
        cargoCompany: { id: "2", name: "Aras Kargo" },
      },
    });
    expect(routes(gw.h)).toStrictEqual([POST_1001, CARGO_LIST]);
  });

  it("reads the package lazily after the command when it is selected, showing the regenerated label", async () => {
    const before = gw.h.sim.getPackage(1001);
    expect(before?.shipping_label?.url).toBe(`${gw.h.sim.url}/labels/1001/1.pdf`);

    const res = await gw.h.gql(UpdatePackageShipmentWithPackageDocument, {
      input: { packageId: "1001", cargoCompanyId: "5", trackingNumber: "SU-204-4", queryNumber: "Q-4" },
    });

    const after = gw.h.sim.getPackage(1001);
    expect(after?.shipping_label?.url).toMatch(new RegExp(`^${gw.h.sim.url}/labels/1001/\\d+\\.pdf$`));
    expect(after?.shipping_label?.url).not.toBe(before?.shipping_label?.url);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "SU-204-4", queryNumber: "Q-4" },
      package: {
        id: "1001",
        status: "PACKED",
        statusName: "Packed",
        shipment: {
          trackingNumber: "SU-204-4",
          queryNumber: "Q-4",
          cargoCompany: { id: "5", name: "Sürat Kargo" },
        },
        label: { url: after?.shipping_label?.url, updatedAt: after?.shipping_label?.modified_date },
      },
    });
    // The read that chose the transition is not reused: the package is read again after the command.
    expect(routes(gw.h)).toStrictEqual([GET_1001, POST_1001, GET_1001, CARGO_LIST]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "SU-204-4",
      cargo_company: 5,
      query_number: "Q-4",
    });
  });
});

describe("204, then the lazy ShipmentUpdated.package read fails", () => {
  it("stays ShipmentUpdated with its shipment, package null and the read's error at that path; the command was sent once", async () => {
    gw.h.sim.injectFault({
      method: "GET",
      path: packagePath(1001),
      fault: { kind: "status", status: 503, body: '{"detail": "Service unavailable"}' },
    });

    const res = await gw.h.gql(UpdatePackageShipmentWithPackageDocument, {
      input: input({ trackingNumber: "AR-204-READ", queryNumber: "Q-READ" }),
    });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({
      updatePackageShipment: {
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: "AR-204-READ", queryNumber: "Q-READ" },
        package: null,
      },
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered with an unexpected status (503).",
      path: ["updatePackageShipment", "package"],
      extensions: { code: "OMS_UNAVAILABLE" },
    });
    // The command first (the caller named the transition), then the one failed read: nothing re-sent.
    expect(routes(gw.h)).toStrictEqual([POST_1001, GET_1001]);
    expect(gw.h.commands()).toHaveLength(1);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-204-READ",
      cargo_company: 2,
      query_number: "Q-READ",
    });
    expect(gw.h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "AR-204-READ",
      query_number: "Q-READ",
      cargo_company: 2,
    });
  });
});

describe("a 2xx that is not the OMS's 204", () => {
  it("a 200 HTML page on the command (a proxy's sign-in page) is not ShipmentUpdated: OMS_OUTCOME_UNKNOWN after one verification read, and the command is never sent twice", async () => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 200,
        body: "<html><body>Sign in</body></html>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "PROXY-1" }) });

    // Nothing was applied here, and the package still shows YK1001: the read cannot prove otherwise.
    expect(gw.h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered the command with status 200; it may or may not have been applied.",
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    });
    expect(res.text).not.toContain("Sign in");
    expect(routes(gw.h)).toStrictEqual([POST_1001, GET_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "PROXY-1",
      cargo_company: 2,
    });
  });
});
