/**
 * The contract's result mapping over real HTTP, top-level error rows: 401/403 from the OMS is
 * OMS_UNAUTHORIZED, 429 is OMS_RATE_LIMITED with retryAfterSeconds, and 5xx, malformed answers and
 * connection failures on reads are OMS_UNAVAILABLE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PackageSummaryDocument, UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { packagePath } from "../helpers/oms-paths.js";
import {
  GET_1001,
  input,
  mappingGateway,
  onNextCommand,
  POST_1001,
  routes,
} from "../helpers/result-mapping.js";

const gw = mappingGateway();

describe("401 / 403 from the OMS → OMS_UNAUTHORIZED", () => {
  const unauthorized = {
    message: "The gateway's OMS credentials were refused.",
    path: ["updatePackageShipment"],
    extensions: { code: "OMS_UNAUTHORIZED" },
  };

  it.each([401, 403])("a %i on the command is a top-level error with data null", async (status) => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status,
        body: '{"detail": "You do not have permission to perform this action."}',
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    // The caller did authenticate; only the gateway's own credentials failed.
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject(unauthorized);
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAUTHORIZED" });
    expect(res.text).not.toMatch(/unauthenticated/i);
    expect(res.text).not.toContain("permission");
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
  });

  describe("with an OMS token the OMS does not accept", () => {
    let wrong: Harness;
    beforeAll(async () => {
      wrong = await startHarness({ OMS_API_TOKEN: "not-the-oms-token" });
    });
    afterAll(() => wrong.close());

    it("a read fails with OMS_UNAUTHORIZED, and the package is null", async () => {
      const res = await wrong.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors?.[0]).toMatchObject({ ...unauthorized, path: ["package"] });
      expect(res.text).not.toMatch(/unauthenticated/i);
      expect(wrong.sim.requests.map((r) => r.headers.authorization)).toStrictEqual([
        "Token not-the-oms-token",
      ]);
    });

    it("a command whose transition read is refused fails with OMS_UNAUTHORIZED and sends no command", async () => {
      const res = await wrong.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId: null }) });

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject(unauthorized);
      expect(res.text).not.toMatch(/unauthenticated/i);
      expect(wrong.commands()).toHaveLength(0);
    });
  });
});

describe("429 → OMS_RATE_LIMITED", () => {
  it("carries retryAfterSeconds from the OMS's Retry-After", async () => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 429,
        body: '{"detail": "Request was throttled."}',
        headers: { "Retry-After": "7" },
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toStrictEqual([
      {
        message: "The OMS is rate limiting the gateway; try again later.",
        locations: [{ line: 2, column: 3 }],
        path: ["updatePackageShipment"],
        extensions: { code: "OMS_RATE_LIMITED", retryAfterSeconds: 7 },
      },
    ]);
    expect(routes(gw.h)).toStrictEqual([POST_1001]);
  });

  it("converts a Retry-After HTTP date into seconds from now", async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    gw.h.sim.injectFault({
      method: "GET",
      path: packagePath(1001),
      times: 1,
      fault: { kind: "status", status: 429, headers: { "Retry-After": at } },
    });

    const res = await gw.h.gql(PackageSummaryDocument, { id: "1001" });

    expect(res.body.data).toStrictEqual({ package: null });
    const extensions = res.body.errors?.[0]?.extensions;
    expect(extensions?.code).toBe("OMS_RATE_LIMITED");
    expect(extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(extensions?.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it("has no retryAfterSeconds for a Retry-After it cannot read", async () => {
    gw.h.sim.injectFault(onNextCommand({ kind: "status", status: 429, headers: { "Retry-After": "soon" } }));

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_RATE_LIMITED" });
  });

  it("has no retryAfterSeconds when the OMS sent no Retry-After", async () => {
    gw.h.sim.injectFault(onNextCommand({ kind: "status", status: 429 }));

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_RATE_LIMITED" });
  });
});

describe("5xx, malformed answers and connection failures on reads → OMS_UNAVAILABLE", () => {
  const statusFault = (status: number, body: string, contentType: string) =>
    ({ kind: "status", status, body, headers: { "content-type": contentType } }) as const;

  it.each([
    [
      "500",
      statusFault(500, '{"detail": "secret-ish stack"}', "application/json"),
      /^The OMS answered with an unexpected status \(500\)\.$/,
    ],
    ["502 with an HTML page", statusFault(502, "<html>secret-ish gateway</html>", "text/html"), /\(502\)/],
    ["503", statusFault(503, "secret-ish maintenance", "text/plain"), /\(503\)/],
    [
      "an HTML page with status 200",
      statusFault(200, "<html>secret-ish login</html>", "text/html"),
      /^The OMS sent a malformed /,
    ],
    [
      "malformed JSON",
      statusFault(200, '{"id": 1001, "secret-ish', "application/json"),
      /^The OMS sent a malformed /,
    ],
    [
      "JSON that is not a package",
      statusFault(200, '{"secret-ish": []}', "application/json"),
      /^The OMS sent a malformed /,
    ],
    ["a connection reset", { kind: "reset" } as const, /^The OMS could not be reached/],
  ])("%s", async (_, fault, message) => {
    gw.h.sim.injectFault({ method: "GET", path: packagePath(1001), fault });

    const res = await gw.h.gql(PackageSummaryDocument, { id: "1001" });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({ package: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.path).toStrictEqual(["package"]);
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(res.text).not.toContain("secret-ish");
    expect(routes(gw.h)).toStrictEqual([GET_1001]);
  });
});
