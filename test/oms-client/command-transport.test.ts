/**
 * The OMS client's command when the transport fails: a command that may have reached the OMS is
 * OMS_OUTCOME_UNKNOWN, one that never left is OMS_UNAVAILABLE.
 */
import nodeHttp from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OmsError } from "../../src/domain/errors.js";
import { COMMAND, cleanups, clientFor, fakeOms, TRANSITION } from "../helpers/fake-oms.js";
import { rejection } from "../helpers/oms-error.js";

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("command transport failures", () => {
  it("throws OMS_OUTCOME_UNKNOWN when the connection drops after the command was sent", async () => {
    const oms = await fakeOms((_req, _res, raw) => {
      raw.socket.destroy();
      return undefined;
    });
    const error = await rejection(clientFor(oms.url).updateShipment(COMMAND, TRANSITION));
    expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
    expect(error.details.maybeApplied).toBe(true);
    expect(error.details.cause).toBeInstanceOf(OmsError);
    expect((error.details.cause as OmsError).code).toBe("OMS_UNAVAILABLE");
    expect(oms.requests).toHaveLength(1);
  });

  it("throws OMS_OUTCOME_UNKNOWN when no answer arrives within the deadline", async () => {
    const oms = await fakeOms(() => undefined);
    const error = await rejection(clientFor(oms.url, { timeoutMs: 200 }).updateShipment(COMMAND, TRANSITION));
    expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
    expect(error.message).toBe(
      "The OMS did not answer the command in time; it may or may not have been applied.",
    );
    expect(oms.requests).toHaveLength(1);
  });

  it("throws OMS_UNAVAILABLE, not an unknown outcome, when the command never left", async () => {
    const server = nodeHttp.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await rejection(clientFor(`http://127.0.0.1:${port}`).updateShipment(COMMAND, TRANSITION));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.details.maybeApplied).toBe(false);
  });
});
