/**
 * The headers a browser frontend sends and reads across origins, in real Chromium against a real
 * gateway: Apollo Client's name/version headers, W3C trace context and an Idempotency-Key pass the
 * preflight; the page can read `x-request-id` and `Idempotent-Replayed` on the answers. The same
 * preflight is also sent by hand, to show exactly what the gateway answers.
 */
import { print } from "graphql";
import type { Browser, BrowserContext } from "playwright-core";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpdatePackageShipmentDocument } from "../generated/operations.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { newKey } from "../helpers/idempotency-key.js";
import { describeInBrowser, launchBrowser, newContext, type StaticServer, serveStatic } from "./browser.js";

const MUTATION = print(UpdatePackageShipmentDocument);
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/**
 * A page that sends the same keyed mutation twice with the headers of `?headers=` (JSON) and writes
 * what it could read of each answer into `#answers` as JSON.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Keyed mutation</title></head>
<body>
<pre id="answers"></pre>
<script>
  const MUTATION = ${JSON.stringify(MUTATION).replaceAll("<", "\\u003c")};
  async function send(params) {
    const response = await fetch(params.get("gateway") + "/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...JSON.parse(params.get("headers")) },
      body: JSON.stringify({ query: MUTATION, variables: { input: JSON.parse(params.get("input")) } }),
    });
    const body = await response.json();
    return {
      status: response.status,
      typename: body.data?.updatePackageShipment?.__typename ?? null,
      requestId: response.headers.get("x-request-id"),
      replayed: response.headers.get("idempotent-replayed"),
    };
  }
  (async () => {
    const params = new URLSearchParams(location.search);
    const out = document.getElementById("answers");
    try {
      const answers = [await send(params), await send(params)];
      out.textContent = JSON.stringify(answers);
      document.body.dataset.state = "answered";
    } catch (error) {
      out.textContent = JSON.stringify(error.name + ": " + error.message);
      document.body.dataset.state = "failed";
    }
  })();
</script>
</body>
</html>
`;

const INPUT = { packageId: "1001", cargoCompanyId: "2", trackingNumber: "AR-HDR-1" };
const KEY = "browser-key-0123456789";

interface Answer {
  status: number;
  typename: string | null;
  requestId: string | null;
  replayed: string | null;
}

describeInBrowser("CORS headers for a browser client of /graphql", () => {
  let browser: Browser;
  let site: StaticServer;
  let h: Harness;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchBrowser();
    site = await serveStatic(PAGE);
    h = await startHarness({ CORS_ORIGINS: site.origin, API_KEYS: KEY });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
  });

  beforeEach(async () => {
    h.sim.reset();
    h.rawLogs.length = 0;
    context = await newContext(browser);
  });

  afterEach(async () => {
    await context?.close();
  });

  async function run(headers: Record<string, string>) {
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on("console", (message) => consoleLines.push(message.text()));
    const query = new URLSearchParams({
      gateway: h.url,
      input: JSON.stringify(INPUT),
      headers: JSON.stringify(headers),
    });
    await page.goto(`${site.origin}/?${query}`, { waitUntil: "load" });
    await page.waitForSelector("body[data-state]", { state: "attached" });
    const state = await page.locator("body").getAttribute("data-state");
    const answers = JSON.parse((await page.locator("#answers").textContent()) ?? "null") as unknown;
    return { state, answers, console: consoleLines.join("\n") };
  }

  function graphqlRequests(): Array<{ method: unknown; status: unknown; requestId: unknown }> {
    return h.logs
      .filter((entry) => entry.msg === "request" && entry.path === "/graphql")
      .map((entry) => ({ method: entry.method, status: entry.status, requestId: entry.requestId }));
  }

  it("Apollo Client and trace headers pass the preflight; the page reads x-request-id and Idempotent-Replayed", async () => {
    const outcome = await run({
      authorization: `Bearer ${KEY}`,
      "idempotency-key": newKey(),
      "apollographql-client-name": "warehouse-desk",
      "apollographql-client-version": "1.4.2",
      traceparent: TRACEPARENT,
    });

    expect(outcome.state).toBe("answered");
    const [first, second] = outcome.answers as [Answer, Answer];
    expect(first).toMatchObject({ status: 200, typename: "ShipmentUpdated", replayed: null });
    expect(second).toMatchObject({ status: 200, typename: "ShipmentUpdated", replayed: "true" });
    // The ids the page read are the ids of the gateway's log lines for these two requests.
    const lines = graphqlRequests();
    expect(lines.map((l) => `${l.method} ${l.status}`)).toStrictEqual([
      "OPTIONS 204",
      "POST 200",
      "POST 200",
    ]);
    expect([first.requestId, second.requestId]).toStrictEqual(lines.slice(1).map((l) => l.requestId));
    // The replay sent nothing: one command reached the OMS.
    expect(h.commands().map((r) => r.json)).toStrictEqual([
      { transition_id: 41, awb_number: "AR-HDR-1", cargo_company: 2 },
    ]);
  });

  it("a header outside the list fails the preflight: the browser sends nothing", async () => {
    const outcome = await run({ authorization: `Bearer ${KEY}`, "x-unlisted": "1" });

    expect(outcome.state).toBe("failed");
    expect(outcome.console).toMatch(/x-unlisted is not allowed by Access-Control-Allow-Headers/);
    expect(graphqlRequests().map((l) => `${l.method} ${l.status}`)).toStrictEqual(["OPTIONS 204"]);
    expect(h.commands()).toHaveLength(0);
  });
});

describe("the preflight as the gateway answers it", () => {
  let h: Harness;
  const ORIGIN = "https://desk.example.com";

  beforeAll(async () => {
    h = await startHarness({ CORS_ORIGINS: ORIGIN });
  });

  afterAll(async () => {
    await h?.close();
  });

  it.each([
    "traceparent",
    "apollographql-client-name",
    "apollographql-client-version",
    "idempotency-key",
    "x-request-id",
    "authorization",
  ])("allows %s from a listed origin", async (header) => {
    const res = await request(`${h.url}/graphql`, {
      method: "OPTIONS",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": `content-type,${header}`,
      },
    });
    await res.body.text();

    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(String(res.headers["access-control-allow-headers"]).split(", ")).toContain(header);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("exposes x-request-id and Idempotent-Replayed on the actual answer", async () => {
    const res = await request(`${h.url}/graphql`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json" },
      body: JSON.stringify({ query: '{ package(id: "1001") { id } }' }),
    });
    await res.body.text();

    expect(res.statusCode).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(String(res.headers["access-control-expose-headers"]).split(", ")).toEqual(
      expect.arrayContaining(["x-request-id", "idempotent-replayed"]),
    );
  });
});
