/**
 * What a developer's browser gets from GET /graphql: outside production, Apollo Sandbox's landing page
 * served by this gateway and configured for this endpoint and the example operation; in production,
 * no landing page at all. The Sandbox application itself comes from Apollo's CDN, which the test
 * browser never reaches (only loopback resolves), so these tests look at what our server serves and
 * configures.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from "../../src/graphql/example.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { describeInBrowser, launchBrowser, newContext } from "./browser.js";

/** Where the landing page loads Apollo's code and fonts from; nothing else may be off our server. */
const THIRD_PARTY_HOSTS = [
  "embeddable-sandbox.cdn.apollographql.com",
  "apollo-server-landing-page.cdn.apollographql.com",
  "fonts.googleapis.com",
  "fonts.gstatic.com",
];

interface SandboxConfig {
  target: string;
  initialState: { document?: string; variables?: unknown; headers?: unknown; includeCookies?: boolean };
  endpointIsEditable: boolean;
  runtime: string;
}

/** The two globals the landing page's inline script defines before it hands over to the CDN code. */
interface LandingPageGlobals {
  initialEndpoint?: string;
  embeddedSandboxConfig?: SandboxConfig;
}

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

describeInBrowser("GET /graphql in a browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe("outside production: Apollo Sandbox", () => {
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

    it("serves Apollo's landing page as HTML with status 200", async () => {
      const response = await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
      expect(response?.url()).toBe(`${h.url}/graphql`);
      expect(await page.title()).toBe("Apollo Server");
      // The page's own offline notice, from our HTML: what a developer sees when the CDN is out of reach.
      await expect(page.locator(".fallback h1").textContent()).resolves.toBe("Welcome to Apollo Server");
      expect(await page.locator("#embeddableSandbox").count()).toBe(1);
      expect(await page.locator("script[src]").getAttribute("src")).toMatch(
        /^https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\/.+\/embeddable-sandbox\.umd\.production\.min\.js/,
      );
    });

    it("configures the Sandbox for this endpoint, not editable, with the updatePackageShipment example", async () => {
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      const globals = await page.evaluate(() => {
        const g = globalThis as unknown as LandingPageGlobals;
        return { endpoint: g.initialEndpoint, config: g.embeddedSandboxConfig };
      });

      expect(globals.endpoint).toBe(`${h.url}/graphql`);
      expect(globals.config).toMatchObject({
        target: "#embeddableSandbox",
        endpointIsEditable: false,
        initialState: { document: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES, includeCookies: false },
      });
      expect(globals.config?.initialState.document).toContain("updatePackageShipment(input: $input)");
      expect(globals.config?.runtime).toMatch(/^@apollo\/server@5\./);
      // The configuration is in the HTML our server sent, not something the CDN code made up later.
      const html = await page.content();
      expect(html).toContain(JSON.stringify(EXAMPLE_OPERATION).slice(1, -1));
      expect(html).toContain(`"variables":${JSON.stringify(EXAMPLE_VARIABLES)}`);
    });

    it("only the requests to Apollo's CDN (and its font host) fail; nothing to our server does", async () => {
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      const ours = log.responses.filter((r) => r.url.startsWith(`${h.url}/`));
      expect(ours).toStrictEqual([{ url: `${h.url}/graphql`, status: 200 }]);
      expect(log.failed.filter((r) => r.url.startsWith(`${h.url}/`))).toStrictEqual([]);
      expect(log.failed.length).toBeGreaterThan(0);
      for (const { url } of log.failed) expect(THIRD_PARTY_HOSTS).toContain(new URL(url).hostname);
      expect(log.failed.map((r) => r.url)).toContainEqual(
        expect.stringMatching(/^https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\//),
      );
      // Without the CDN script the inline bootstrap cannot construct the Sandbox; that is the only error.
      expect(log.errors).toHaveLength(1);
      expect(log.errors[0]).toMatch(/EmbeddedSandbox/);
    });

    it("the example the Sandbox opens with runs from the page's origin against the demo data", async () => {
      await page.goto(`${h.url}/graphql`, { waitUntil: "load" });

      // What the Sandbox does with its initial state: POST the document and variables to its endpoint.
      const result = await page.evaluate(async () => {
        const g = globalThis as unknown as LandingPageGlobals;
        const response = await fetch(g.initialEndpoint ?? "", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            query: g.embeddedSandboxConfig?.initialState.document,
            variables: g.embeddedSandboxConfig?.initialState.variables,
          }),
        });
        return { status: response.status, body: (await response.json()) as unknown };
      });

      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        data: {
          updatePackageShipment: {
            __typename: "ShipmentUpdated",
            shipment: {
              trackingNumber: EXAMPLE_VARIABLES.input.trackingNumber,
              queryNumber: EXAMPLE_VARIABLES.input.queryNumber,
              cargoCompany: { id: "2", name: "Aras Kargo" },
            },
            package: { id: "1001", status: "PACKED" },
          },
        },
      });
      expect(h.commands().map((r) => [r.path, r.json])).toStrictEqual([
        [
          "/api/v1/oms/packages/1001/command/",
          { transition_id: 41, awb_number: "AR-2026-0001", cargo_company: 2, query_number: "Q-0001" },
        ],
      ]);
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
      expect(html).not.toContain("Apollo Server");
      expect(html).not.toContain("embeddableSandbox");
      expect(html).not.toContain(EXAMPLE_OPERATION.slice(0, 30));
      expect(await page.title()).toBe("");
      expect(log.failed).toStrictEqual([]);
      expect(log.responses).toStrictEqual([{ url: `${h.url}/graphql`, status: 401 }]);
      expect(h.commands()).toHaveLength(0);
    });
  });
});
