/**
 * What a developer's browser gets from GET /graphql: outside production, our landing page that embeds
 * Apollo Sandbox from Apollo's CDN; in production, no landing page at all. The test browser resolves
 * only loopback, so Apollo's CDN is out of reach as on an offline machine: the page must say so and
 * offer a curl command, and that command must work when run. The case where the CDN answers is played
 * with a stand-in for Sandbox's loader script, served at its real URL by the browser's own routing.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from "../../src/graphql/example.js";
import { CURL_KEY_VARIABLE, SANDBOX_SCRIPT_URL } from "../../src/graphql/landing-page.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { describeInBrowser, launchBrowser, newContext } from "./browser.js";

const run = promisify(execFile);
const SANDBOX_HOST = new URL(SANDBOX_SCRIPT_URL).host;

const EXAMPLE_COMMAND = {
  transition_id: 41,
  awb_number: "AR-2026-0001",
  cargo_company: 2,
  query_number: "Q-0001",
};

const EXAMPLE_ANSWER = {
  data: {
    updatePackageShipment: {
      __typename: "ShipmentUpdated",
      shipment: {
        trackingNumber: "AR-2026-0001",
        queryNumber: "Q-0001",
        cargoCompany: { id: "2", name: "Aras Kargo" },
      },
      package: { id: "1001", status: "PACKED" },
    },
  },
};

interface PageLog {
  failed: Array<{ url: string; error: string }>;
  responses: Array<{ url: string; status: number }>;
  errors: string[];
}

function watch(page: Page): PageLog {
  const log: PageLog = { failed: [], responses: [], errors: [] };
  page.on("requestfailed", (request) =>
    log.failed.push({ url: request.url(), error: request.failure()?.errorText ?? "" }),
  );
  page.on("response", (response) => log.responses.push({ url: response.url(), status: response.status() }));
  page.on("pageerror", (error) => log.errors.push(error.message));
  return log;
}

/** Runs the page's curl command in a shell, as a developer would paste it. */
async function runCurl(command: string, env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await run("sh", ["-c", command], { env: { PATH: process.env.PATH ?? "", ...env } });
  return JSON.parse(stdout);
}

/** Waits until the page decided: the Sandbox loaded, or the offline help is shown. */
async function settled(page: Page): Promise<string | null> {
  await page.waitForSelector("body:not([data-sandbox='loading'])", { state: "attached" });
  return page.locator("body").getAttribute("data-sandbox");
}

describeInBrowser("GET /graphql in a browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe("outside production, without Apollo's CDN (this machine's natural case)", () => {
    let h: Harness;
    let context: BrowserContext;
    let page: Page;
    let log: PageLog;

    beforeAll(async () => {
      h = await startHarness();
    });

    afterAll(async () => {
      await h?.close();
    });

    beforeEach(async () => {
      h.sim.reset();
      context = await newContext(browser);
      page = await context.newPage();
      log = watch(page);
    });

    afterEach(async () => {
      await context?.close();
    });

    it("says Sandbox could not be loaded from Apollo's CDN and shows a curl command for this gateway", async () => {
      const response = await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
      expect(await settled(page)).toBe("offline");
      expect(await page.locator("#offline").isVisible()).toBe(true);
      expect(await page.locator("#offline h1").textContent()).toBe("Apollo Sandbox could not be loaded");
      expect(await page.locator("#offline").textContent()).toContain(`Apollo's CDN (${SANDBOX_HOST})`);
      const curl = (await page.locator("#curl").textContent()) ?? "";
      expect(curl.split("\n")[0]).toBe(`curl -s '${h.url}/graphql' \\`);
      expect(curl).toContain("-H 'content-type: application/json'");
      expect(curl).not.toContain("authorization");
      expect(await page.locator("#curl-key").isVisible()).toBe(false);
      expect(await page.locator("#endpoint").textContent()).toBe(`${h.url}/graphql`);
    });

    it("the curl command runs the example against the demo data: one command reaches the OMS", async () => {
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });
      await settled(page);
      const curl = (await page.locator("#curl").textContent()) ?? "";

      const answer = await runCurl(curl);

      expect(answer).toMatchObject(EXAMPLE_ANSWER);
      expect(h.commands().map((r) => [r.path, r.json])).toStrictEqual([
        ["/api/v1/oms/packages/1001/command/", EXAMPLE_COMMAND],
      ]);
    });

    it("only Sandbox's loader fails, nothing of ours, and the page throws no error", async () => {
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });
      await settled(page);

      expect(log.responses).toStrictEqual([{ url: `${h.url}/graphql`, status: 200 }]);
      expect(log.failed).toStrictEqual([{ url: SANDBOX_SCRIPT_URL, error: "net::ERR_NAME_NOT_RESOLVED" }]);
      expect(log.errors).toStrictEqual([]);
    });

    it("a loader that never answers: the page shows the offline help after 10 s on its clock", async () => {
      // The page's clock stands still unless moved: only fastForward makes its timers run.
      const start = new Date("2026-01-05T09:00:00Z");
      await page.clock.install({ time: start });
      await page.clock.pauseAt(new Date(start.getTime() + 1_000));
      await page.route(SANDBOX_SCRIPT_URL, () => {
        // Left pending, like a firewall that drops packets.
      });
      await page.goto(`${h.url}/graphql`, { waitUntil: "domcontentloaded" });

      await page.clock.fastForward(9_999);
      expect(await page.locator("body").getAttribute("data-sandbox")).toBe("loading");
      expect(await page.locator("#offline").isVisible()).toBe(false);
      await page.clock.fastForward(1);
      expect(await page.locator("body").getAttribute("data-sandbox")).toBe("offline");
      expect(await page.locator("#offline").isVisible()).toBe(true);
    });
  });

  describe("outside production, when Apollo's CDN answers", () => {
    let h: Harness;
    let context: BrowserContext;

    beforeAll(async () => {
      h = await startHarness();
    });

    afterAll(async () => {
      await h?.close();
    });

    beforeEach(async () => {
      context = await newContext(browser);
    });

    afterEach(async () => {
      await context?.close();
    });

    /** Serves `body` at the loader's URL for this page only. */
    async function pageWithLoader(body: string): Promise<Page> {
      const page = await context.newPage();
      await page.route(SANDBOX_SCRIPT_URL, (route) =>
        route.fulfill({ status: 200, contentType: "text/javascript", body }),
      );
      return page;
    }

    it("constructs EmbeddedSandbox for this endpoint with the example, telemetry off, and hides the help", async () => {
      const page = await pageWithLoader(
        "window.EmbeddedSandbox = function (options) { window.sandboxOptions = options; };",
      );

      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      expect(await settled(page)).toBe("loaded");
      expect(await page.locator("#offline").isVisible()).toBe(false);
      expect(
        await page.evaluate(() => (globalThis as { sandboxOptions?: unknown }).sandboxOptions),
      ).toStrictEqual({
        target: "#sandbox",
        initialEndpoint: `${h.url}/graphql`,
        initialState: { document: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES, includeCookies: false },
        hideCookieToggle: true,
        endpointIsEditable: false,
        runTelemetry: false,
        allowDynamicStyles: false,
      });
    });

    it.each([
      ["defines no EmbeddedSandbox", "/* an error page served as script */"],
      ["throws while constructing", "window.EmbeddedSandbox = function () { throw new Error('broken'); };"],
    ])("a loader that %s: the offline help instead of a blank page", async (_, body) => {
      const page = await pageWithLoader(body);

      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      expect(await settled(page)).toBe("offline");
      expect(await page.locator("#offline").isVisible()).toBe(true);
    });
  });

  describe("outside production, with API_KEYS", () => {
    const KEY = "landing-key-0123456789";
    let h: Harness;
    let context: BrowserContext;

    beforeAll(async () => {
      h = await startHarness({ API_KEYS: KEY });
      context = await newContext(browser);
    });

    afterAll(async () => {
      await context?.close();
      await h?.close();
    });

    it(`the page itself needs no key; its curl command sends one from $${CURL_KEY_VARIABLE}`, async () => {
      const page = await context.newPage();
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });
      await settled(page);
      const curl = (await page.locator("#curl").textContent()) ?? "";

      expect(curl).toContain(`-H "authorization: Bearer $${CURL_KEY_VARIABLE}"`);
      expect(await page.locator("#curl-key").isVisible()).toBe(true);
      expect(await runCurl(curl, { [CURL_KEY_VARIABLE]: KEY })).toMatchObject(EXAMPLE_ANSWER);
      // Without the variable, the gateway refuses it: the header really carries the key.
      expect(await runCurl(curl)).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
      expect(h.commands()).toHaveLength(1);
    });
  });

  describe("in production: no landing page", () => {
    let h: Harness;
    let context: BrowserContext;

    beforeAll(async () => {
      h = await startHarness({
        NODE_ENV: "production",
        API_KEYS: "sandbox-key-0123456789",
        ROUTER_SECRET: "sandbox-router-secret",
      });
      context = await newContext(browser);
    });

    afterAll(async () => {
      await context?.close();
      await h?.close();
    });

    it("the same URL answers 401 with a JSON error, not HTML, and the page loads nothing else", async () => {
      const page = await context.newPage();
      const log = watch(page);

      const response = await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      expect(response?.status()).toBe(401);
      expect(response?.headers()["content-type"]).toMatch(/^application\/json/);
      const body = (await response?.json()) as {
        errors?: Array<{ message?: string; extensions?: { code?: string } }>;
      };
      // In production there is no public page at all: a browser without an API key is turned away first.
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      const html = await page.content();
      expect(html).not.toContain("Sandbox");
      expect(html).not.toContain(EXAMPLE_OPERATION.slice(0, 30));
      expect(await page.title()).toBe("");
      expect(log.failed).toStrictEqual([]);
      expect(log.responses).toStrictEqual([{ url: `${h.url}/graphql`, status: 401 }]);
      expect(h.commands()).toHaveLength(0);
    });
  });
});
