/**
 * The page a browser gets from GET /graphql outside production: Apollo Sandbox, embedded through
 * Apollo Server's landing page plugin API (`renderLandingPage`) and Sandbox's documented
 * `EmbeddedSandbox` constructor. Sandbox is Apollo's web app, loaded from Apollo's CDN; when that
 * cannot be reached, the page says so and shows a curl command that runs the same example instead.
 */
import { randomBytes } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import { stripIgnoredCharacters } from "graphql";

/** Sandbox's loader script, major version 2 (the version Apollo Server's own plugin pins). */
export const SANDBOX_SCRIPT_URL =
  "https://embeddable-sandbox.cdn.apollographql.com/v2/embeddable-sandbox.umd.production.min.js";
const SANDBOX_FRAME_ORIGIN = "https://sandbox.embed.apollographql.com";
// The loader sets this favicon when our server has none.
const SANDBOX_ASSETS_ORIGIN = "https://embeddable-explorer.cdn.apollographql.com";

/** How long the page waits for the loader before it shows the offline help (the Sandbox may still come). */
const SANDBOX_LOAD_WAIT_MS = 10_000;

export interface LandingPageOptions {
  /** The operation the Sandbox opens with, and the curl command runs. */
  document: string;
  variables: Record<string, unknown>;
  /** Callers must send `Authorization: Bearer …`: the curl command then reads a key from the shell. */
  callersMustAuthenticate: boolean;
}

/** The environment variable the offline curl command reads the caller's key from. */
export const CURL_KEY_VARIABLE = "OMS_GRAPH_API_KEY";

export function sandboxLandingPage(options: LandingPageOptions): ApolloServerPlugin {
  const config = pageConfig(options);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          // A fresh nonce per page: the policy then admits only the scripts this answer carries.
          return { html: async () => landingPageHtml(config, randomBytes(16).toString("base64")) };
        },
      };
    },
  };
}

/** What the page's script reads: Sandbox's options (less the endpoint, which is the page's own URL) and the curl body. */
interface PageConfig {
  sandbox: Record<string, unknown>;
  /** The JSON body of the curl command: the example operation on one line. */
  body: string;
  keyVariable: string | null;
  waitMs: number;
}

function pageConfig(options: LandingPageOptions): PageConfig {
  return {
    sandbox: {
      target: "#sandbox",
      initialState: { document: options.document, variables: options.variables, includeCookies: false },
      // Callers authenticate with a header, never cookies.
      hideCookieToggle: true,
      endpointIsEditable: false,
      // Sandbox's error tracking and analytics events go to Apollo; a developer's page need not.
      runTelemetry: false,
      // Our policy admits only our own styles; the frame is sized by them.
      allowDynamicStyles: false,
    },
    body: JSON.stringify({ query: stripIgnoredCharacters(options.document), variables: options.variables }),
    keyVariable: options.callersMustAuthenticate ? CURL_KEY_VARIABLE : null,
    waitMs: SANDBOX_LOAD_WAIT_MS,
  };
}

// Private: JSON inside a <script> element: nothing in it may close the element or start a comment.
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function contentSecurityPolicy(nonce: string): string {
  return [
    `script-src 'nonce-${nonce}' ${new URL(SANDBOX_SCRIPT_URL).origin}`,
    `style-src 'nonce-${nonce}'`,
    `img-src 'self' ${SANDBOX_ASSETS_ORIGIN}`,
    `frame-src ${SANDBOX_FRAME_ORIGIN}`,
    "object-src 'none'",
    "base-uri 'none'",
  ].join("; ");
}

function landingPageHtml(config: PageConfig, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>oms-graph · Apollo Sandbox</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-sandbox="loading">
<div id="sandbox"></div>
<main id="offline" hidden>
  <h1>Apollo Sandbox could not be loaded</h1>
  <p>This page loads Apollo Sandbox from Apollo's CDN (<code>${new URL(SANDBOX_SCRIPT_URL).host}</code>),
  which this browser cannot reach: it may be offline, or a firewall or an extension blocks it.
  The GraphQL API itself does not need it and is answering here.</p>
  <p>Run the example operation from a terminal:</p>
  <pre id="curl"></pre>
  <p id="curl-key" hidden>Set <code>${CURL_KEY_VARIABLE}</code> to one of the gateway's API keys first.</p>
  <p>Any HTTP client works the same way: <code>POST</code> a JSON body with <code>query</code> and
  <code>variables</code> to <code id="endpoint"></code> with <code>content-type: application/json</code>.</p>
</main>
<noscript>This page needs JavaScript. The GraphQL API answers POST requests at this URL.</noscript>
<script nonce="${nonce}">
var OMS_GRAPH_PAGE = ${scriptJson(config)};
var SANDBOX_SCRIPT_URL = ${scriptJson(SANDBOX_SCRIPT_URL)};
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

const STYLE = `
body { margin: 0; font-family: system-ui, sans-serif; }
#sandbox { position: absolute; inset: 0; }
#sandbox iframe { width: 100%; height: 100%; border: none; }
#offline { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
#offline pre { background: #f4f4f5; padding: 1rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
[hidden] { display: none !important; }
`;

// Private: runs in the browser (plain ES5-era script, no modules). The curl command is written from
// the page's own URL, so it names this gateway however it was reached.
const PAGE_SCRIPT = `(function () {
  var page = OMS_GRAPH_PAGE;
  var endpoint = location.origin + location.pathname;
  function shellQuote(text) { return "'" + text.replace(/'/g, "'\\\\''") + "'"; }
  var lines = ["curl -s " + shellQuote(endpoint), "  -H 'content-type: application/json'"];
  if (page.keyVariable) lines.push('  -H "authorization: Bearer $' + page.keyVariable + '"');
  lines.push("  -d " + shellQuote(page.body));
  document.getElementById("curl").textContent = lines.join(" \\\\\\n");
  document.getElementById("curl-key").hidden = !page.keyVariable;
  document.getElementById("endpoint").textContent = endpoint;

  var offline = document.getElementById("offline");
  function showOffline() {
    if (document.body.dataset.sandbox === "loaded") return;
    document.body.dataset.sandbox = "offline";
    offline.hidden = false;
  }
  var wait = setTimeout(showOffline, page.waitMs);
  var script = document.createElement("script");
  script.src = SANDBOX_SCRIPT_URL;
  script.onerror = function () { clearTimeout(wait); showOffline(); };
  script.onload = function () {
    clearTimeout(wait);
    if (typeof window.EmbeddedSandbox !== "function") return showOffline();
    try {
      var options = Object.assign({}, page.sandbox, { initialEndpoint: endpoint });
      new window.EmbeddedSandbox(options);
      offline.hidden = true;
      document.body.dataset.sandbox = "loaded";
    } catch (error) {
      showOffline();
    }
  };
  document.head.appendChild(script);
})();`;
