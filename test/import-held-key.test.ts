/**
 * A chunk whose answer was lost stays under its Idempotency-Key until its outcome is known. Against a
 * scripted gateway that counts every chunk by key: an answer about the key that settles nothing (a
 * replay the gateway did not take, a router's own error to the probe) must not send the rows again
 * under a new key, since the first send may have run.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { keyHeldIn } from "../src/import/client.js";
import { readResults, runCli, useImportRun } from "./helpers/import-cli.js";

interface Sent {
  key: string;
  packages: string[];
}

type Script = (sent: Sent, nthOfKey: number) => { status: number; body: unknown } | "drop";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const refusal = (status: number, code: string) => ({
  status,
  body: { data: null, errors: [{ message: "refused", extensions: { code } }] },
});
const updated = (sent: Sent) => ({
  status: 200,
  body: { data: { updatePackageShipments: sent.packages.map(() => ({ __typename: "ShipmentUpdated" })) } },
});

/**
 * A gateway answering the import by script: `chunk` for chunks with rows, `probe` for the empty
 * request asking whether a key is held. Package reads show nothing applied.
 */
async function scriptedGateway(chunk: Script, probe: (nth: number) => { status: number; body: unknown }) {
  const chunks: Sent[] = [];
  let probes = 0;
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (part: Buffer) => {
      text += part.toString();
    });
    req.on("end", () => {
      const body = JSON.parse(text) as {
        query: string;
        variables?: { inputs?: Array<{ packageId: string }> };
      };
      const key = String(req.headers["idempotency-key"] ?? "");
      let answer: { status: number; body: unknown } | "drop";
      if (body.query.includes("ImportShipments")) {
        const packages = (body.variables?.inputs ?? []).map((input) => input.packageId);
        if (packages.length === 0) {
          answer = probe(++probes);
        } else {
          const sent = { key, packages };
          chunks.push(sent);
          answer = chunk(sent, chunks.filter((c) => c.key === key).length);
        }
      } else if (body.query.includes("ImportCargoCompanies")) {
        answer = { status: 200, body: { data: { cargoCompanies: [] } } };
      } else {
        // Package reads: nothing applied, so a row read instead of replayed would be sent again.
        const fields = body.query.match(/p\d+:/g) ?? [];
        answer = {
          status: 200,
          body: { data: Object.fromEntries(fields.map((f) => [f.slice(0, -1), { shipment: null }])) },
        };
      }
      if (answer === "drop") {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, chunks, probes: () => probes };
}

describe("a chunk whose answer was lost", () => {
  const fixture = useImportRun();
  const CSV = "package_id,cargo_company_id,tracking_number\n1001,1,HK-1\n1002,1,HK-2\n";

  async function importWith(url: string) {
    const input = await fixture.writeInput("held.csv", CSV);
    const run = await runCli([input], {
      IMPORT_GATEWAY_URL: url,
      IMPORT_RETRY_DELAY_MS: "20",
      IMPORT_RETRY_ATTEMPTS: "6",
    });
    return { run, rows: await readResults(`${input}.result.csv`) };
  }

  it("is replayed under its key, never a new one, when a replay is not taken (503)", async () => {
    // 1st send: the answer is lost; 2nd (the replay): 503, not run; 3rd: the replay answers.
    const gateway = await scriptedGateway(
      (sent, nth) => (nth === 1 ? "drop" : nth === 2 ? refusal(503, "SHUTTING_DOWN") : updated(sent)),
      () => refusal(422, "IDEMPOTENCY_KEY_REUSED"),
    );

    const { run, rows } = await importWith(gateway.url);

    expect(run.code).toBe(0);
    expect(rows.map((r) => r.result)).toEqual(["ShipmentUpdated", "ShipmentUpdated"]);
    const keys = new Set(gateway.chunks.map((c) => c.key));
    expect(keys.size).toBe(1);
    expect(gateway.chunks).toHaveLength(3);
  });

  it("is not given a new key when the probe's answer is a router's own error", async () => {
    // The probe first meets a router error in a 200 (no code about the key), then the gateway's 422.
    const gateway = await scriptedGateway(
      (sent, nth) => (nth === 1 ? "drop" : updated(sent)),
      (nth) => (nth === 1 ? refusal(200, "SUBREQUEST_HTTP_ERROR") : refusal(422, "IDEMPOTENCY_KEY_REUSED")),
    );

    const { run, rows } = await importWith(gateway.url);

    expect(run.code).toBe(0);
    expect(rows.map((r) => r.result)).toEqual(["ShipmentUpdated", "ShipmentUpdated"]);
    expect(new Set(gateway.chunks.map((c) => c.key)).size).toBe(1);
    expect(gateway.probes()).toBe(2);
  });
});

describe("the answer to the probe asking whether a key is held", () => {
  const reply = (status: number, body: unknown) => ({ status, headers: {}, text: JSON.stringify(body) });

  it("is held for the gateway's refusals, direct or relayed; free only when the empty request ran", () => {
    expect(keyHeldIn(reply(422, refusal(422, "IDEMPOTENCY_KEY_REUSED").body))).toBe(true);
    expect(keyHeldIn(reply(409, refusal(409, "IDEMPOTENCY_KEY_IN_PROGRESS").body))).toBe(true);
    expect(keyHeldIn(reply(200, refusal(200, "IDEMPOTENCY_KEY_IN_PROGRESS").body))).toBe(true);
    expect(keyHeldIn(reply(200, { data: { updatePackageShipments: [] } }))).toBe(false);
    expect(keyHeldIn(reply(200, refusal(200, "SUBREQUEST_HTTP_ERROR").body))).toBe("unreachable");
    expect(keyHeldIn(reply(200, { data: null }))).toBe("unreachable");
    expect(keyHeldIn({ status: 200, headers: {}, text: "<html>bad gateway</html>" })).toBe("unreachable");
    expect(keyHeldIn(reply(502, {}))).toBe("unreachable");
  });
});
