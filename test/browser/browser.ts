/**
 * Headless Chromium for the browser tests: Debian's `chromium` package, driven by playwright-core (which
 * never downloads a browser of its own), plus a tiny static server to host frontend pages on an origin
 * of their own.
 */
import { accessSync, constants } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { describe } from "vitest";

export const CHROMIUM_PATH = "/usr/bin/chromium";

const INSTALL_HINT = "apt-get install -y --no-install-recommends chromium";

function chromiumPresent(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const present = chromiumPresent();
// On a developer machine without Chromium the browser suites are skipped (and say so); CI installs
// Chromium, so there a missing binary is a broken pipeline and must fail rather than pass silently.
const skip = !present && process.env.CI !== "true";
const SKIP_REASON = `skipped: ${CHROMIUM_PATH} not found (${INSTALL_HINT})`;

if (skip) console.warn(`Browser tests ${SKIP_REASON}.`);

/** `describe` for a suite that needs Chromium; skipped with the reason in its name when it is missing. */
export function describeInBrowser(name: string, body: () => void): void {
  describe.skipIf(skip)(skip ? `${name} [${SKIP_REASON}]` : name, body);
}

/**
 * Launches headless Chromium with everything that would reach the network switched off. Playwright
 * gives every launch a fresh temporary profile (`--user-data-dir`) and deletes it on close.
 * @throws when Chromium is not installed (only reached in CI, where that is an error).
 */
export async function launchBrowser(): Promise<Browser> {
  if (!present) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM_PATH}; install it with: ${INSTALL_HINT}`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 15_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Pages reach loopback only: every other host name fails to resolve at once. The tests then
      // behave the same with or without internet access (CI may have it) and never call third parties.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ],
  });
}

/**
 * A fresh context (its own cookies, cache and preflight cache) with bounded waits. No `route()` here
 * on purpose: while any route is installed Playwright intercepts every request and answers CORS
 * preflights itself with "allow everything", which would hide exactly what the CORS tests check.
 */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(10_000);
  return context;
}

export interface StaticServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `html` for every GET on 127.0.0.1 and an ephemeral port, like a frontend's own host. */
export async function serveStatic(html: string): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
