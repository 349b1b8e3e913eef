import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from "../src/graphql/example.js";
import { COMPILE_AFTER_RUNS } from "../src/graphql/jit-executor.js";
import { type OmsSimulator, startSimulator } from "../src/simulator/index.js";
import { bundleOptions } from "../src/tools/bundle.js";
import { argsOf, execForm, readDockerfile } from "./helpers/dockerfile.js";
import { spawnGateway, startGatewayProcess } from "./helpers/gateway-process.js";

async function postGraphQL(url: string, query: string, variables: unknown) {
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the assertions below check the shape of this JSON.
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
}

describe("npm start (no OMS_BASE_URL)", () => {
  it("starts on the embedded simulator, prints where everything is, and runs the README's example mutation", async () => {
    const gateway = await startGatewayProcess();
    // The banner is written right after the log line; give it a moment to arrive.
    await expect.poll(gateway.output).toContain("token: demo-oms-token");
    expect(gateway.output()).toMatch(/OMS simulator: +http:\/\/127\.0\.0\.1:\d+/);
    expect(gateway.output()).toContain(`GraphQL API and Apollo Sandbox: ${gateway.graphqlUrl}`);

    const { status, body } = await postGraphQL(gateway.graphqlUrl, EXAMPLE_OPERATION, EXAMPLE_VARIABLES);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const result = body.data.updatePackageShipment;
    expect(result.__typename).toBe("ShipmentUpdated");
    expect(result.shipment).toEqual({
      trackingNumber: "AR-2026-0001",
      queryNumber: "Q-0001",
      cargoCompany: { id: "2", name: "Aras Kargo" },
    });
    expect(result.package).toMatchObject({ id: "1001", status: "PACKED" });
    expect(result.package.label.url).toMatch(/\/labels\/1001\/\d+\.pdf$/);

    const ready = await request(gateway.graphqlUrl.replace("/graphql", "/health/ready"));
    expect(ready.statusCode).toBe(200);
    await ready.body.dump();

    gateway.child.kill("SIGTERM");
    const [code] = await once(gateway.child, "exit");
    expect(code).toBe(0);
    expect(gateway.output()).toContain('"msg":"stopped"');
  });

  it("refuses to start on bad configuration and lists every problem", async () => {
    const { child } = spawnGateway({ PORT: "99999", OMS_TIMEOUT_MS: "soon", OMS_BASE_URL: "ftp://x" });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(78);
    expect(stderr).toContain("PORT must be an integer from 0 to 65535");
    expect(stderr).toContain("OMS_TIMEOUT_MS must be an integer");
    expect(stderr).toContain("OMS_BASE_URL must be an http(s) URL");
  });
});

describe("SIGTERM", () => {
  let sim: OmsSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("stops accepting, finishes the request in flight, then exits 0", async () => {
    sim = await startSimulator({ latencyMs: 600 });
    const gateway = await startGatewayProcess({
      OMS_BASE_URL: sim.url,
      OMS_API_TOKEN: sim.token,
      OMS_SHIPMENT_TRANSITIONS: "41",
    });
    const inFlight = postGraphQL(
      gateway.graphqlUrl,
      "mutation($input: UpdatePackageShipmentInput!) { updatePackageShipment(input: $input) { __typename } }",
      { input: { packageId: "1001", cargoCompanyId: "3", trackingNumber: "MN-DRAIN-1" } },
    );
    await expect.poll(() => sim?.stats.commandsInFlight).toBe(1);
    gateway.child.kill("SIGTERM");
    const exited = once(gateway.child, "exit");

    const { body } = await inFlight;
    expect(body.data.updatePackageShipment.__typename).toBe("ShipmentUpdated");
    expect(sim.getPackage(1001)?.shipment?.awb_number).toBe("MN-DRAIN-1");
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(request(gateway.graphqlUrl)).rejects.toThrow();
  });
});

/** Node's runtime flags in the Dockerfile's CMD: what stands between `node` and the bundle. */
async function imageNodeFlags(): Promise<string[]> {
  const gateway = readDockerfile().find((stage) => stage.name === "gateway");
  const cmd = execForm(argsOf(gateway ?? { name: "", from: "", instructions: [] }, "CMD").at(-1) ?? "[]");
  expect(cmd[0]).toBe("node");
  expect(cmd.at(-1)).toBe("dist/oms-graph.mjs");
  return cmd.slice(1, -1);
}

describe("the production bundle (npm run bundle)", () => {
  it("is one file that starts with the image's node flags (npm start's too) and serves the README's example mutation", async () => {
    const flags = await imageNodeFlags();
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.scripts.start).toContain(`node ${flags.join(" ")} dist/oms-graph.mjs`);
    const dir = await mkdtemp(join(tmpdir(), "oms-graph-bundle-"));
    try {
      // Built here, with the npm script's options, so the test does not depend on an earlier build.
      await build(bundleOptions(join(dir, "oms-graph.mjs")));
      const gateway = await startGatewayProcess({}, [...flags, join(dir, "oms-graph.mjs")]);
      // Past COMPILE_AFTER_RUNS the operation runs on graphql-jit's code, compiled inside the bundle.
      for (let run = 1; run <= COMPILE_AFTER_RUNS + 1; run++) {
        const { body } = await postGraphQL(gateway.graphqlUrl, EXAMPLE_OPERATION, EXAMPLE_VARIABLES);
        // esbuild renames colliding classes; the GraphQL type names must not follow (they are explicit).
        expect(body.errors).toBeUndefined();
        expect(body.data.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      }
      gateway.child.kill("SIGTERM");
      const [code] = await once(gateway.child, "exit");
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
