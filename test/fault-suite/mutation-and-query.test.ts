/**
 * The fault suite, row by row: for every fault of the table (helpers/fault-rows.ts), in both modes,
 * the single mutation (with a transitionId, so the command is the first OMS call) and the package query
 * answer with the contract's mapped result or error code, ending at the deadline only when the fault
 * is silence; a command is never sent twice, and the gateway recovers with nothing leaked.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { fakeClock, settled, untilIo } from "../helpers/fake-clock.js";
import { type Row, rows } from "../helpers/fault-rows.js";
import { COMMAND_PATH, type GatewayAnswer, PACKAGE_PATH } from "../helpers/fault-server.js";
import {
  expectCutAtCap,
  expectedBody,
  faultBench,
  INPUT,
  MUTATION,
  ONE_CALL,
  QUERY,
  RESILIENCE_DEFAULTS,
  requestId,
  WIRE_COMMAND,
  watchRss,
} from "../helpers/fault-suite.js";

describe.each([ONE_CALL, RESILIENCE_DEFAULTS])("OMS faults with $name", (mode) => {
  const bench = faultBench(mode);

  const table = rows(mode.deadline);

  /**
   * Sends a request on a fake clock. A fault only the deadline ends must leave the call pending
   * until the clock reaches the deadline, and end it there; any other fault must end the call
   * without the clock moving at all: the fault, not a timer, ended it. Reads tried again wait real
   * backoffs between their tries, so they run on the real clock.
   */
  async function answerOf(send: () => Promise<GatewayAnswer>, row: Row, retried: boolean) {
    if (retried) return send();
    const clock = fakeClock();
    onTestFinished(() => clock.restore());
    const answer = settled(send());
    if (row.atDeadline) {
      await untilIo(() => bench.fault.requests.length === 1, "the OMS call");
      await clock.advance(mode.deadline - 1);
      expect(answer.done).toBe(false);
      await clock.advance(1);
    }
    await untilIo(() => answer.done, "the answer, with the clock where it is");
    clock.restore();
    return answer.promise;
  }

  function received(calls: string[], refused: boolean): string[] {
    if (refused) return [];
    return calls.map((call) =>
      call.startsWith("POST command") ? `POST ${COMMAND_PATH}` : `GET ${PACKAGE_PATH}`,
    );
  }

  describe("the single mutation with a transitionId", () => {
    it.each(table)("$name", async (row) => {
      bench.fault.clearRecords();
      await bench.apply("command", row.command);
      const rss = row.huge ? watchRss() : null;
      const id = requestId("command");
      const res = await answerOf(() => bench.gw.gql(MUTATION, { input: INPUT }, id), row, false);
      const rssGrowth = rss?.stop();
      if (row.command.kind === "refused") await bench.fault.accept();

      expect(res.status).toBe(200);
      // Soft, so that a wrong answer still lets the call and socket checks below report.
      expect.soft(res.body).toStrictEqual(expectedBody(row.commandOutcome, "updatePackageShipment"));
      // One command, never a second; one verification read (never retried) only when the answer
      // left the outcome open.
      const calls = [`POST command ${row.commandStatus}`, ...(row.lost ? ["GET package 200"] : [])];
      expect(await bench.gw.omsCalls(id)).toStrictEqual(calls);
      expect(bench.fault.routes()).toStrictEqual(received(calls, row.command.kind === "refused"));
      for (const r of bench.fault.requests.filter((r) => r.method === "POST"))
        expect(r.body).toBe(WIRE_COMMAND);
      if (rssGrowth !== undefined) await expectCutAtCap(rssGrowth, bench.fault);

      await bench.expectRecovered();
    });
  });

  describe("the package query", () => {
    it.each(table)("$name", async (row) => {
      bench.fault.clearRecords();
      await bench.apply("package", row.read);
      const rss = row.huge ? watchRss() : null;
      const id = requestId("read");
      const tries = mode.retries && row.retriedRead ? 3 : 1;
      const res = await answerOf(() => bench.gw.gql(QUERY, { id: "1001" }, id), row, tries > 1);
      const rssGrowth = rss?.stop();
      if (row.read.kind === "refused") await bench.fault.accept();

      expect(res.status).toBe(200);
      expect.soft(res.body).toStrictEqual(expectedBody(row.readOutcome, "package"));
      // Tried again only for 429/502/503/504 and connection failures, and only with retries on.
      const calls = Array.from({ length: tries }, () => `GET package ${row.readStatus}`);
      expect(await bench.gw.omsCalls(id)).toStrictEqual(calls);
      expect(bench.fault.routes()).toStrictEqual(received(calls, row.read.kind === "refused"));
      if (rssGrowth !== undefined) await expectCutAtCap(rssGrowth, bench.fault);

      await bench.expectRecovered();
    });
  });
});
