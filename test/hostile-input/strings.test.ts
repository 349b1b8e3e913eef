/**
 * Hostile strings in a command (tracking and query numbers): overlong, control, invisible and
 * malformed Unicode text is refused field by field, or sent to the OMS exactly as given.
 */
import { describe, expect, it } from "vitest";
import {
  BULK,
  COMMAND,
  expectInvalidField,
  expectRefused,
  fieldError,
  hostileGateway,
  postJson,
  RESULT_FIELDS,
  SINGLE,
  TRACKING_CHARACTERS,
  TRACKING_LENGTH,
  valid,
} from "../helpers/hostile-requests.js";

describe("hostile requests to /graphql", () => {
  const gw = hostileGateway();

  describe("strings", () => {
    it("refuses a 90 kB trackingNumber in variables as INVALID_LENGTH, with no command", async () => {
      const res = await postJson(gw.h, {
        query: SINGLE,
        variables: { input: valid({ trackingNumber: "A".repeat(90_000) }) },
      });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: {
          updatePackageShipment: {
            __typename: "ValidationError",
            message: TRACKING_LENGTH,
            fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH")],
          },
        },
      });
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a 90 kB trackingNumber written into the document as INVALID_LENGTH, with no command", async () => {
      const query = COMMAND.replace("HOSTILE-1", "A".repeat(90_000)).replace(
        "{ __typename }",
        `{ ${RESULT_FIELDS} }`,
      );
      const res = await postJson(gw.h, { query });

      expectInvalidField(gw.h, res, "trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH");
    });

    it("refuses a 90 kB queryNumber and a 90 kB bulk tracking number, with no command", async () => {
      const single = await postJson(gw.h, {
        query: SINGLE,
        variables: { input: valid({ queryNumber: "Q".repeat(45_000) }) },
      });
      const bulk = await postJson(gw.h, {
        query: BULK,
        variables: { inputs: [valid({ packageId: "2001", trackingNumber: "T".repeat(45_000) })] },
      });

      const queryLength = "queryNumber must be at most 64 characters.";
      expect(single.body.data?.updatePackageShipment).toStrictEqual({
        __typename: "ValidationError",
        message: queryLength,
        fieldErrors: [fieldError("queryNumber", queryLength, "INVALID_LENGTH")],
      });
      expect(bulk.body.data?.updatePackageShipments).toStrictEqual([
        {
          __typename: "ValidationError",
          message: TRACKING_LENGTH,
          fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH", ["inputs", "0"])],
        },
      ]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a 90 kB packageId as INVALID_ID without echoing all of it back", async () => {
      const huge = "9".repeat(90_000);
      const res = await postJson(gw.h, { query: SINGLE, variables: { input: valid({ packageId: huge }) } });

      expect(res.status).toBe(200);
      const result = res.body.data?.updatePackageShipment as {
        __typename: string;
        fieldErrors: Array<{ path: string[]; code: string; message: string }>;
      };
      expect(result.__typename).toBe("ValidationError");
      expect(result.fieldErrors.map((e) => [e.path, e.code])).toStrictEqual([
        [["input", "packageId"], "INVALID_ID"],
      ]);
      expect(gw.h.sim.requests).toHaveLength(0);
      // A refusal quotes a bounded part of the value (as the package query does, 40 characters):
      // the answer to a 90 kB value must not carry it back, and must not land in logs whole.
      expect(result.fieldErrors[0]?.message.length).toBeLessThanOrEqual(200);
      expect(res.text.length).toBeLessThan(2_000);
    });

    it.each([
      ["a NUL", "AR\u00001"],
      ["an escape sequence", "AR\u001b[31m1"],
      ["a carriage return and line feed", "AR\r\nSet-Cookie: x=1"],
      ["a right-to-left override", "AR\u202e1"],
      ["a lone surrogate", "AR\ud8001"],
      ["a private-use character", "AR\ue0001"],
      ["a line separator (U+2028)", "AR\u20281"],
      ["a paragraph separator (U+2029)", "AR\u20291"],
    ])("refuses %s in a trackingNumber as INVALID_CHARACTERS, with no command", async (_, trackingNumber) => {
      const res = await postJson(gw.h, { query: SINGLE, variables: { input: valid({ trackingNumber }) } });

      expectInvalidField(gw.h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a raw control character inside a document string (legal GraphQL since 2021) as INVALID_CHARACTERS", async () => {
      const res = await postJson(gw.h, {
        query: COMMAND.replace("HOSTILE-1", "AR\u00011").replace("{ __typename }", `{ ${RESULT_FIELDS} }`),
      });

      expectInvalidField(gw.h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a raw line break inside a document string: 400 GRAPHQL_PARSE_FAILED, no command", async () => {
      const res = await postJson(gw.h, { query: COMMAND.replace("HOSTILE-1", "AR\n1") });

      expectRefused(res, 400, "GRAPHQL_PARSE_FAILED", "Syntax Error: Unterminated string.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a control character written as an escape in a document string as INVALID_CHARACTERS", async () => {
      const res = await postJson(gw.h, {
        query: COMMAND.replace("HOSTILE-1", "AR\\u00001").replace("{ __typename }", `{ ${RESULT_FIELDS} }`),
      });

      expectInvalidField(gw.h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a tracking number of 64 letters each with a variation selector (128 code points) as INVALID_LENGTH", async () => {
      // The OMS counts code points; U+FE0F is one, however it is drawn.
      const trackingNumber = "A\ufe0f".repeat(64);
      const res = await postJson(gw.h, { query: SINGLE, variables: { input: valid({ trackingNumber }) } });

      expect(res.body.data?.updatePackageShipment).toStrictEqual({
        __typename: "ValidationError",
        message: TRACKING_LENGTH,
        fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH")],
      });
      expect(gw.h.sim.requests).toHaveLength(0);
    });
  });
});
