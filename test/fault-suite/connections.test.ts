/**
 * OMS connections under faults: one connection is reused across every complete answer, faulty or
 * not, and the open sockets stay bounded over repeated broken answers, in both modes.
 */
import { describe, expect, it } from "vitest";
import { Row, rows } from "../helpers/fault-rows.js";
import {
  faultBench,
  GOOD_READ,
  INPUT,
  MUTATION,
  ONE_CALL,
  QUERY,
  RESILIENCE_DEFAULTS,
} from "../helpers/fault-suite.js";

describe.each([ONE_CALL, RESILIENCE_DEFAULTS])("OMS faults with $name", (mode) => {
  const bench = faultBench(mode);

  const table = rows(mode.deadline);

  describe("connections", () => {
    // The well-formed answers of the table: their bodies are read to the end, so the connection
    // that carried them can carry the next request.
    const complete = table.filter((row) => row.command.kind === "answer" && row.read.kind === "answer");

    it("reuses one connection across every complete answer, faulty or not", async () => {
      bench.fault.closeIdle();
      await bench.fault.waitForOpenSockets(0, 1000);
      bench.fault.clearRecords();
      const tries = (row: Row) => (mode.retries && row.retriedRead ? 3 : 1);
      // A command whose outcome the answer left open is followed by one verification read.
      const verified = (row: Row) => (row.lost ? 1 : 0);
      async function send(row: Row): Promise<void> {
        // The command's verification read, when there is one, finds the package well: with the
        // breaker on, a faulty command, its faulty read and three faulty tries of the query would
        // otherwise be a streak of five that opens it.
        await bench.apply("command", row.command);
        await bench.gw.gql(MUTATION, { input: INPUT });
        bench.fault.reset();
        await bench.apply("package", row.read);
        await bench.gw.gql(QUERY, { id: "1001" });
        // A good answer between faults also keeps the breaker from counting them as a streak.
        bench.fault.reset();
        expect((await bench.gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
      }

      const settled = complete.filter((row) => !row.lost);
      for (const row of settled) await send(row);
      expect(bench.fault.requests).toHaveLength(settled.reduce((sum, row) => sum + 2 + tries(row), 0));
      expect(bench.fault.connections).toBe(1);
      expect(bench.fault.openSockets).toBe(1);

      // The verification read leaves while the command's connection is still being handed back to
      // the pool, so it may take a second one; from then on both are reused, none is lost.
      const open = complete.filter((row) => row.lost);
      expect(open.length).toBeGreaterThanOrEqual(7);
      for (const row of open) await send(row);
      expect(bench.fault.requests).toHaveLength(
        complete.reduce((sum, row) => sum + 2 + verified(row) + tries(row), 0),
      );
      expect(bench.fault.connections).toBeLessThanOrEqual(2);
      expect(bench.fault.openSockets).toBe(bench.fault.connections);
      await bench.expectPoolIdle();
      expect(bench.crashes.take()).toStrictEqual([]);
    });

    it("keeps the open sockets bounded over repeated broken answers without any idle cleanup", async () => {
      const broken = table.filter((row) =>
        ["cutBody", "resetAfterHeaders", "resetAfterRequest"].includes(row.read.kind),
      );
      expect(broken).toHaveLength(5);
      // Only this test's connections count: none kept alive from an earlier one.
      bench.fault.closeIdle();
      await bench.fault.waitForOpenSockets(0, 1000);
      bench.fault.clearRecords();
      let most = 0;
      for (let round = 0; round < 4; round++) {
        for (const row of broken) {
          await bench.apply("command", row.command);
          await bench.gw.gql(MUTATION, { input: INPUT });
          bench.fault.reset();
          await bench.apply("package", row.read);
          await bench.gw.gql(QUERY, { id: "1001" });
          bench.fault.reset();
          expect((await bench.gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
          await bench.expectPoolIdle();
          most = Math.max(most, await bench.fault.waitForOpenSockets(1, 500));
        }
      }
      // 40 faulty answers, each costing its connection, yet only the kept-alive one stays open.
      expect(bench.fault.connections).toBeGreaterThanOrEqual(40);
      expect(most).toBe(1);
      await bench.expectRecovered();
    });
  });
});
