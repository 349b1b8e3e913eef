/**
 * A frontend on another origin calling /graphql from a real browser: Chromium enforces CORS, so these
 * tests show what the allowlist, the preflight and the exposed headers actually permit a page to do,
 * and that a refused preflight keeps the command from ever reaching the OMS.
 */
import { print } from "graphql";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpdatePackageShipmentDocument } from "../generated/operations.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { describeInBrowser, launchBrowser, newContext, type StaticServer, serveStatic } from "./browser.js";

const MUTATION = print(UpdatePackageShipmentDocument);

/**
 * A minimal shipment desk: on load it sends the mutation to `?gateway=` with `?input=` (JSON) and, when
 * given, `?key=` as a bearer token, then writes what it could read into the DOM.
 */
const FRONTEND = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Shipment desk</title></head>
<body>
<p>Result: <output id="result"></output></p>
<p>HTTP status: <output id="status"></output></p>
<p>Request id: <output id="request-id"></output></p>
<script>
  const MUTATION = ${JSON.stringify(MUTATION).replaceAll("<", "\\u003c")};
  async function updateShipment() {
    const params = new URLSearchParams(location.search);
    const headers = { "content-type": "application/json" };
    if (params.get("key")) headers.authorization = "Bearer " + params.get("key");
    const result = document.getElementById("result");
    try {
      const response = await fetch(params.get("gateway") + "/graphql", {
        method: "POST",
        headers,
        body: JSON.stringify({ query: MUTATION, variables: { input: JSON.parse(params.get("input")) } }),
      });
      document.getElementById("status").textContent = String(response.status);
      document.getElementById("request-id").textContent = response.headers.get("x-request-id") ?? "";
      const body = await response.json();
      result.textContent =
        body.data?.updatePackageShipment?.__typename ?? body.errors?.[0]?.extensions?.code ?? "no result";
      document.body.dataset.state = "answered";
    } catch (error) {
      result.textContent = error.name + ": " + error.message;
      document.body.dataset.state = "failed";
    }
  }
  updateShipment();
</script>
</body>
</html>
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface DeskOutcome {
  state: string | null;
  result: string | null;
  status: string | null;
  requestId: string | null;
  /** What the browser printed to the console, where Chromium explains a CORS refusal. */
  console: string[];
}

interface DeskRequest {
  gateway: string;
  input: Record<string, string>;
  key?: string;
}

/** Opens the desk at `origin` and waits until its one request has been answered or refused. */
async function runDesk(context: BrowserContext, origin: string, request: DeskRequest): Promise<DeskOutcome> {
  const page: Page = await context.newPage();
  const consoleLines: string[] = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  const query = new URLSearchParams({ gateway: request.gateway, input: JSON.stringify(request.input) });
  if (request.key !== undefined) query.set("key", request.key);
  await page.goto(`${origin}/desk?${query}`, { waitUntil: "load" });
  await page.waitForSelector("body[data-state]", { state: "attached", timeout: 10_000 });
  const outcome = {
    state: await page.locator("body").getAttribute("data-state"),
    result: await page.locator("#result").textContent(),
    status: await page.locator("#status").textContent(),
    requestId: await page.locator("#request-id").textContent(),
    console: consoleLines,
  };
  await page.close();
  return outcome;
}

/** The gateway's request log for /graphql as "METHOD status" lines, in order. */
function graphqlRequests(h: Harness): string[] {
  return h.logs
    .filter((entry) => entry.msg === "request" && entry.path === "/graphql")
    .map((entry) => `${entry.method} ${entry.status}`);
}

const INPUT = { packageId: "1001", cargoCompanyId: "2", trackingNumber: "AR-WEB-1", queryNumber: "Q-WEB-1" };
const COMMAND_BODY = { transition_id: 41, awb_number: "AR-WEB-1", cargo_company: 2, query_number: "Q-WEB-1" };

describeInBrowser("CORS on /graphql for a frontend on another origin", () => {
  let browser: Browser;
  /** Listed in CORS_ORIGINS. */
  let allowed: StaticServer;
  /** Another loopback port: a different origin, not listed. */
  let other: StaticServer;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchBrowser();
    allowed = await serveStatic(FRONTEND);
    other = await serveStatic(FRONTEND);
  });

  afterAll(async () => {
    await browser?.close();
    await allowed?.close();
    await other?.close();
  });

  beforeEach(async () => {
    // A fresh context per test: no preflight cached from an earlier test can let a request through.
    context = await newContext(browser);
  });

  afterEach(async () => {
    await context?.close();
  });

  describe("a page from an origin in CORS_ORIGINS", () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ CORS_ORIGINS: allowed.origin });
    });

    afterAll(async () => {
      await h?.close();
    });

    beforeEach(() => {
      h.sim.reset();
      h.rawLogs.length = 0;
    });

    it("updates the shipment: the page reads ShipmentUpdated and the OMS got exactly one command", async () => {
      const outcome = await runDesk(context, allowed.origin, { gateway: h.url, input: INPUT });

      expect(outcome).toMatchObject({ state: "answered", result: "ShipmentUpdated", status: "200" });
      expect(h.commands().map((r) => [r.path, r.json])).toStrictEqual([
        ["/api/v1/oms/packages/1001/command/", COMMAND_BODY],
      ]);
      // A JSON POST is not a simple request: the browser asked first, then sent it once.
      expect(graphqlRequests(h)).toStrictEqual(["OPTIONS 204", "POST 200"]);
    });

    it("can read the x-request-id response header, and it is the id in the gateway's log line", async () => {
      const outcome = await runDesk(context, allowed.origin, { gateway: h.url, input: INPUT });

      expect(outcome.requestId).toMatch(UUID);
      const post = h.logs.find((e) => e.msg === "request" && e.path === "/graphql" && e.method === "POST");
      expect(post?.requestId).toBe(outcome.requestId);
    });
  });

  describe("a page from an origin not in CORS_ORIGINS", () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ CORS_ORIGINS: allowed.origin });
    });

    afterAll(async () => {
      await h?.close();
    });

    beforeEach(() => {
      h.sim.reset();
      h.rawLogs.length = 0;
    });

    it.each([
      ["another loopback port", () => other.origin],
      // Same server and port as the allowed page, but "localhost" is a different origin from 127.0.0.1.
      ["localhost instead of 127.0.0.1", () => `http://localhost:${allowed.port}`],
    ])(
      "%s: the browser refuses, fetch rejects with a TypeError, and no command is sent",
      async (_, origin) => {
        const outcome = await runDesk(context, origin(), { gateway: h.url, input: INPUT });

        expect(outcome.state).toBe("failed");
        expect(outcome.result).toMatch(/^TypeError: /);
        expect(outcome.status).toBe("");
        expect(outcome.console.join("\n")).toMatch(/blocked by CORS policy/);
        // The preflight was refused, so the browser never sent the mutation itself.
        expect(graphqlRequests(h)).toStrictEqual(["OPTIONS 403"]);
        expect(h.commands()).toHaveLength(0);
        expect(h.sim.requests).toHaveLength(0);
      },
    );
  });

  describe("with API_KEYS: the allowed page authenticates with a bearer key", () => {
    let h: Harness;

    beforeAll(async () => {
      h = await startHarness({ CORS_ORIGINS: allowed.origin, API_KEYS: "k1" });
    });

    afterAll(async () => {
      await h?.close();
    });

    beforeEach(() => {
      h.sim.reset();
      h.rawLogs.length = 0;
    });

    it("Authorization: Bearer k1 passes the preflight and the mutation succeeds", async () => {
      const outcome = await runDesk(context, allowed.origin, { gateway: h.url, input: INPUT, key: "k1" });

      expect(outcome).toMatchObject({ state: "answered", result: "ShipmentUpdated", status: "200" });
      expect(outcome.requestId).toMatch(UUID);
      expect(graphqlRequests(h)).toStrictEqual(["OPTIONS 204", "POST 200"]);
      expect(h.commands().map((r) => r.json)).toStrictEqual([COMMAND_BODY]);
    });

    it("a wrong key gets a 401 the page can read (not an opaque CORS failure), and no command", async () => {
      const outcome = await runDesk(context, allowed.origin, { gateway: h.url, input: INPUT, key: "wrong" });

      expect(outcome).toMatchObject({ state: "answered", result: "UNAUTHENTICATED", status: "401" });
      expect(outcome.requestId).toMatch(UUID);
      expect(graphqlRequests(h)).toStrictEqual(["OPTIONS 204", "POST 401"]);
      expect(h.commands()).toHaveLength(0);
    });
  });
});
