/**
 * A lost command answer whose verification read fails too: the command is not sent again, the
 * caller gets OMS_OUTCOME_UNKNOWN, and the gateway recovers with nothing leaked, in both modes.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { fakeClock, settled, untilIo } from "../helpers/fake-clock.js";
import { json, UNKNOWN } from "../helpers/fault-rows.js";
import { type Behaviour, COMMAND_PATH, PACKAGE_PATH } from "../helpers/fault-server.js";
import {
  expectedBody,
  faultBench,
  INPUT,
  MUTATION,
  ONE_CALL,
  RESILIENCE_DEFAULTS,
  requestId,
} from "../helpers/fault-suite.js";

describe.each([ONE_CALL, RESILIENCE_DEFAULTS])("OMS faults with $name", (mode) => {
  const bench = faultBench(mode);

  describe("a lost command answer whose verification read fails too", () => {
    it.each<{ name: string; command: Behaviour; read: Behaviour; deadlines: number }>([
      {
        name: "reset after the request, then a 503 on the read",
        command: { kind: "resetAfterRequest" },
        read: json(503, { detail: "Service unavailable" }),
        deadlines: 0,
      },
      {
        name: "no answer to the command, then no answer to the read",
        command: { kind: "hang" },
        read: { kind: "hang" },
        deadlines: 2,
      },
    ])("$name → OMS_OUTCOME_UNKNOWN after one command and at most one read", async (c) => {
      bench.fault.clearRecords();
      bench.fault.on("command", c.command);
      bench.fault.on("package", c.read);
      // Each deadline the caller waits for is on a fake clock: the answer comes only once the clock has
      // been moved past the command's deadline and then the read's, and not a millisecond earlier.
      const clock = fakeClock();
      onTestFinished(() => clock.restore());
      const answer = settled(bench.gw.gql(MUTATION, { input: INPUT }, requestId("lost")));
      for (let call = 1; call <= c.deadlines; call++) {
        await untilIo(() => bench.fault.requests.length === call, `OMS call ${call}`);
        await clock.advance(mode.deadline - 1);
        expect(answer.done).toBe(false);
        await clock.advance(1);
      }
      const res = await answer.promise;
      clock.restore();

      expect
        .soft(res.body)
        .toStrictEqual(
          expectedBody({ code: "OMS_OUTCOME_UNKNOWN", message: UNKNOWN }, "updatePackageShipment"),
        );
      expect(bench.fault.routes()).toStrictEqual([`POST ${COMMAND_PATH}`, `GET ${PACKAGE_PATH}`]);

      await bench.expectRecovered();
    });
  });
});
