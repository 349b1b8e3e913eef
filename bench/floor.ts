/**
 * The floor of any Node facade over the OMS: a bare node:http server that parses the same GraphQL
 * JSON, sends the same command to the OMS through an undici Pool, and answers with a fixed-shape
 * result. No GraphQL, no validation, no logging. Prints `{url}` when ready.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const upstream = process.argv[2] ?? "";
const pool = new Pool(upstream, { connections: 32 });
const headers = { authorization: "Token demo-oms-token", "content-type": "application/json" };

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const { variables } = JSON.parse(Buffer.concat(chunks).toString());
      const input = variables.input;
      const body = JSON.stringify({
        transition_id: input.transitionId,
        awb_number: input.trackingNumber,
        cargo_company: Number(input.cargoCompanyId),
      });
      const answer = await pool.request({
        path: `/api/v1/oms/packages/${Number(input.packageId)}/command/`,
        method: "POST",
        headers,
        body,
      });
      await answer.body.dump();
      const typename = answer.statusCode === 204 ? "ShipmentUpdated" : "CommandRejected";
      const text = JSON.stringify({
        data: {
          updatePackageShipment: { __typename: typename, shipment: { trackingNumber: input.trackingNumber } },
        },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } catch {
      res.writeHead(500).end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
