/**
 * `npm run oms:simulator` as its own program: it reads only its own settings, so neither NODE_ENV
 * nor the gateway's settings (missing or wrong) stop it, and its own bad settings are all listed.
 */
import { describe, expect, it } from "vitest";
import { exitCode, spawnSimulator, startSimulatorProcess } from "./helpers/simulator-process.js";

const AUTH = { authorization: "Token demo-oms-token" };

async function readPackage(url: string, id: number) {
  const res = await fetch(`${url}/api/v1/oms/packages/${id}/`, { headers: AUTH });
  return { status: res.status, body: (await res.json()) as { id: number; number: string } };
}

describe("the standalone simulator", () => {
  it("starts with NODE_ENV=production and none of the gateway's settings, and stops on SIGTERM", async () => {
    const simulator = await startSimulatorProcess({ NODE_ENV: "production", OMS_SIMULATOR_PORT: "0" });
    expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await readPackage(simulator.url, 1001)).toMatchObject({
      status: 200,
      body: { id: 1001, number: "PKG-1001" },
    });
    expect(simulator.output()).not.toMatch(/API_KEYS|OMS_BASE_URL|Invalid configuration/);

    simulator.child.kill("SIGTERM");
    expect(await exitCode(simulator)).toBe(0);
  });

  it("ignores the gateway's settings even when they are wrong for the gateway", async () => {
    const simulator = await startSimulatorProcess({
      NODE_ENV: "staging",
      OMS_SIMULATOR_PORT: "0",
      PORT: "http",
      API_KEYS: "short",
      OMS_BASE_URL: "ftp://acme-oms.akinon.net",
      OMS_TIMEOUT_MS: "soon",
      LOG_LEVEL: "verbose",
    });
    expect((await readPackage(simulator.url, 1002)).status).toBe(200);
  });

  it("exits 78 listing every problem with its own settings", async () => {
    const simulator = spawnSimulator({
      NODE_ENV: "production",
      HOST: "not a host",
      OMS_SIMULATOR_PORT: "70000",
      OMS_SIMULATOR_LATENCY_MS: "-5",
      OMS_SIMULATOR_ACCESS_LOG: "yes",
    });
    expect(await exitCode(simulator)).toBe(78);
    const output = simulator.output();
    expect(output).toContain('HOST must be an IP address or a host name, got "not a host".');
    expect(output).toContain('OMS_SIMULATOR_PORT must be an integer from 0 to 65535, got "70000".');
    expect(output).toContain('OMS_SIMULATOR_LATENCY_MS must be an integer from 0 to 60000, got "-5".');
    expect(output).toContain('OMS_SIMULATOR_ACCESS_LOG must be true or false, got "yes".');
    expect(output).not.toContain("listening");
  });

  it("with OMS_SIMULATOR_ACCESS_LOG=true, prints one line per answered request: what a gateway in front sent", async () => {
    const simulator = await startSimulatorProcess({
      OMS_SIMULATOR_PORT: "0",
      OMS_SIMULATOR_ACCESS_LOG: "true",
    });
    await readPackage(simulator.url, 1001);
    const command = await fetch(`${simulator.url}/api/v1/oms/packages/1001/command/`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", "x-request-id": "req-77" },
      body: JSON.stringify({ transition_id: 41, awb_number: "YK-LOG-1", cargo_company: 1 }),
    });
    expect(command.status).toBe(204);
    await expect
      .poll(simulator.output)
      .toMatch(/^POST \/api\/v1\/oms\/packages\/1001\/command\/ 204 \d+ ms x-request-id=req-77$/m);
    expect(simulator.output()).toMatch(/^GET \/api\/v1\/oms\/packages\/1001\/ 200 \d+ ms$/m);
  });

  it("prints no access log by default", async () => {
    const simulator = await startSimulatorProcess({ OMS_SIMULATOR_PORT: "0" });
    await readPackage(simulator.url, 1001);
    await readPackage(simulator.url, 1002);
    expect(simulator.output()).not.toContain("/api/v1/oms/packages/1002/ 200");
  });
});
