/**
 * The frontend example (examples/frontend/) as a developer runs it: compiled by tsc alone, served as
 * static files on its own origin, opened in Chromium against a real gateway with CORS and an API key.
 * It looks packages up (with their tracking links) and handles each member of the mutation's result
 * union, and what reached the OMS is checked for every command.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { describeInBrowser, launchBrowser, newContext } from "./browser.js";

const run = promisify(execFile);
const KEY = "example-key-0123456789";
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript" };

/** Compiles the example into `dir` as `npm run build:example` does, beside a copy of its page. */
async function buildExample(dir: string): Promise<void> {
  await run(process.execPath, [
    "node_modules/typescript/bin/tsc",
    "-p",
    "examples/frontend/tsconfig.json",
    "--outDir",
    join(dir, "dist"),
  ]);
  copyFileSync("examples/frontend/index.html", join(dir, "index.html"));
}

/** Serves the files under `root` on 127.0.0.1, the way any static file server would. */
async function serveDirectory(root: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    try {
      const body = readFileSync(join(root, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeInBrowser("the frontend example in Chromium", () => {
  let dir: string;
  let site: { origin: string; close(): Promise<void> };
  let browser: Browser;
  let h: Harness;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  /** The POSTs the page sent to the gateway, as the browser sent them. */
  let sent: Array<{ headers: Record<string, string>; body: string }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "oms-graph-frontend-"));
    await buildExample(dir);
    site = await serveDirectory(dir);
    browser = await launchBrowser();
    h = await startHarness({ CORS_ORIGINS: site.origin, API_KEYS: KEY });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    h.sim.reset();
    context = await newContext(browser);
    page = await context.newPage();
    pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    sent = [];
    page.on("request", async (request) => {
      if (request.method() === "POST")
        sent.push({ headers: await request.allHeaders(), body: request.postData() ?? "" });
    });
  });

  afterEach(async () => {
    await context?.close();
    expect(pageErrors).toStrictEqual([]);
  });

  async function open(key = KEY): Promise<void> {
    const query = new URLSearchParams({ gateway: `${h.url}/graphql`, key });
    await page.goto(`${site.origin}/index.html?${query}`, { waitUntil: "load" });
  }

  async function lookUp(packageId: string): Promise<void> {
    await page.fill("input[name=packageId]", packageId);
    await page.click("#package-form button");
  }

  async function setShipment(fields: {
    cargoCompanyId: string;
    trackingNumber: string;
    transitionId?: string;
  }) {
    await page.fill("input[name=cargoCompanyId]", fields.cargoCompanyId);
    await page.fill("input[name=trackingNumber]", fields.trackingNumber);
    await page.fill("input[name=transitionId]", fields.transitionId ?? "");
    await page.click("#shipment-form button");
    await page.waitForSelector("#outcome[data-kind]", { state: "attached" });
    return {
      kind: await page.locator("#outcome").getAttribute("data-kind"),
      text: await page.locator("#outcome").textContent(),
    };
  }

  it("looks a package up and links its tracking number to the carrier's page", async () => {
    await open();
    await lookUp("1002");

    await expect.poll(() => page.locator("#package").textContent()).toContain("Package 1002: shipped.");
    expect(await page.locator("#package").textContent()).toBe(
      "Package 1002: shipped. Aras Kargo, tracking number AR1002",
    );
    expect(await page.locator("#package a").getAttribute("href")).toBe(
      "http://kargotakip.araskargo.com.tr/mainpage.aspx?code=AR1002",
    );
  });

  it("ShipmentUpdated: shows the new carrier and link, and sent one command with an Idempotency-Key", async () => {
    await open();
    await lookUp("1002");

    const outcome = await setShipment({ cargoCompanyId: "1", trackingNumber: "YK 7/8" });

    expect(outcome).toStrictEqual({ kind: "updated", text: "Shipment set: Yurtiçi Kargo, YK 7/8" });
    expect(await page.locator("#outcome a").getAttribute("href")).toBe(
      "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK%207%2F8",
    );
    expect(h.commands().map((r) => [r.path, r.json])).toStrictEqual([
      ["/api/v1/oms/packages/1002/command/", { transition_id: 42, awb_number: "YK 7/8", cargo_company: 1 }],
    ]);
    const mutation = sent.find((r) => r.body.includes("updatePackageShipment"));
    expect(mutation?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(mutation?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("ValidationError: shows the message at the form field, and sends nothing", async () => {
    await open();
    await lookUp("1001");

    const outcome = await setShipment({ cargoCompanyId: "2", trackingNumber: "X".repeat(65) });

    expect(outcome.kind).toBe("invalid");
    expect(outcome.text).toMatch(/^trackingNumber: /);
    expect(h.commands()).toHaveLength(0);
  });

  it("CommandRejected: shows the OMS's refusal and code", async () => {
    await open();
    await lookUp("1002");

    const outcome = await setShipment({ cargoCompanyId: "2", trackingNumber: "AR-9", transitionId: "41" });

    expect(outcome).toStrictEqual({
      kind: "rejected",
      text: "The OMS refused: Transition 41 runs on Packed packages, but package 1002 is Shipped. (transition_state_mismatch)",
    });
    expect(h.commands().map((r) => r.json)).toStrictEqual([
      { transition_id: 41, awb_number: "AR-9", cargo_company: 2 },
    ]);
  });

  it("lists packed packages a page at a time from one OMS list call per page, with a button only where the shipment can be set", async () => {
    await open();
    await expect.poll(() => page.locator("#work-list li").count()).toBe(20);
    const total = Number(await page.locator("#work-list").getAttribute("data-total"));
    expect(total).toBeGreaterThan(20);
    const lists = () =>
      h.sim.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/oms/packages/");
    expect(lists()).toHaveLength(1);
    expect(lists()[0]?.query).toMatchObject({ state__enum_value__in: "500" });
    // Packed packages take the command with the default transition, so every row has its button.
    expect(await page.locator("#work-list li button").count()).toBe(20);

    await page.click("#more");
    await expect.poll(() => page.locator("#work-list li").count()).toBe(Math.min(40, total));
    expect(lists()).toHaveLength(2);

    const first = await page.locator("#work-list li").first().getAttribute("data-id");
    await page.locator("#work-list li button").first().click();
    await expect.poll(() => page.locator("#package").textContent()).toContain(`Package ${first}: packed.`);
    expect(await page.inputValue("input[name=packageId]")).toBe(first);
  });

  it("a top-level error is shown with its code and request id, not as a form error", async () => {
    await open("wrong-key");
    await lookUp("1001");

    const outcome = await setShipment({ cargoCompanyId: "2", trackingNumber: "AR-1" });

    expect(outcome.kind).toBe("failed");
    expect(outcome.text).toMatch(
      /^UNAUTHENTICATED: A valid API key or token is required.* \(try again; request [0-9a-f-]{36}\)$/,
    );
    expect(h.commands()).toHaveLength(0);
  });
});
