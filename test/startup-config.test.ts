import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { spawnGateway } from "./helpers/gateway-process.js";

const dir = mkdtempSync(join(tmpdir(), "oms-graph-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function exitOf(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnGateway(env);
  const [code] = await once(child, "exit");
  return { code: code as number | null, output: output() };
}

describe("configuration problems exit 78", () => {
  it("an unreadable CARGO_COMPANIES_FILE, naming the file", async () => {
    const file = join(dir, "missing.json");

    const { code, output } = await exitOf({ CARGO_COMPANIES_FILE: file });

    expect(code).toBe(78);
    expect(output).toContain(
      `oms-graph: Invalid configuration:\n  - CARGO_COMPANIES_FILE ${file} is not readable JSON`,
    );
    expect(output).not.toContain("failed to start");
  });

  it("short secrets in production, every one listed", async () => {
    const { code, output } = await exitOf({
      NODE_ENV: "production",
      OMS_BASE_URL: "http://127.0.0.1:9",
      OMS_API_TOKEN: "unused",
      API_KEYS: "short-1,short-2",
      ROUTER_SECRET: "router",
      METRICS_TOKEN: "metrics",
    });

    expect(code).toBe(78);
    expect(output).toContain("API_KEYS: entry 1 of 2 has 7 characters; production needs at least 16.");
    expect(output).toContain("API_KEYS: entry 2 of 2 has 7 characters; production needs at least 16.");
    expect(output).toContain("ROUTER_SECRET has 6 characters; production needs at least 16.");
    expect(output).toContain("METRICS_TOKEN has 7 characters; production needs at least 16.");
    expect(output).not.toMatch(/short-1|short-2/);
  });
});

describe("METRICS_PORT", () => {
  it("is listened on beside the API, and its URL is logged", async () => {
    const { child, output } = spawnGateway({ METRICS_PORT: "0" });
    const pattern = /"metrics":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/;
    await expect.poll(output, { timeout: 15_000 }).toMatch(pattern);
    const metricsUrl = pattern.exec(output())?.[1] as string;
    const graphqlUrl = /"graphql":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(output())?.[1] as string;

    const scrape = await request(metricsUrl);
    expect(scrape.statusCode).toBe(200);
    expect(await scrape.body.text()).toContain("oms_graph_oms_breaker_state");
    const onApi = await request(`${graphqlUrl}/metrics`);
    expect(onApi.statusCode).toBe(404);
    await onApi.body.dump();

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
