/**
 * CARRIER_TRACKING_URLS: `code=template` pairs separated by `;`, keyed by a shipping_company code or
 * `id:<cargo company id>`; every bad entry is a start-up problem of its own, naming the entry.
 */
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { problemsOf } from "../helpers/config.js";
import { spawnGateway } from "../helpers/gateway-process.js";

describe("CARRIER_TRACKING_URLS", () => {
  it("is empty when unset: the defaults alone apply", () => {
    const { trackingUrls } = loadConfig({});
    expect(trackingUrls.byCode.size).toBe(0);
    expect(trackingUrls.byId.size).toBe(0);
  });

  it("reads codes (folded to lower case) and ids; a template keeps its own = and , characters", () => {
    const { trackingUrls } = loadConfig({
      CARRIER_TRACKING_URLS:
        " Aras = https://t.example.com/?a=1,2&code={trackingNumber} ; id:7=https://t.example.com/7/{trackingNumber};;",
    });

    expect([...trackingUrls.byCode]).toStrictEqual([
      ["aras", "https://t.example.com/?a=1,2&code={trackingNumber}"],
    ]);
    expect([...trackingUrls.byId]).toStrictEqual([[7, "https://t.example.com/7/{trackingNumber}"]]);
  });

  const rows: [string, string][] = [
    ["aras", 'CARRIER_TRACKING_URLS: "aras" needs the form code=template.'],
    [
      "aras=https://t.example.com/?code=",
      'CARRIER_TRACKING_URLS: the template for "aras" must contain {trackingNumber}, got "https://t.example.com/?code=".',
    ],
    ["aras=https://t.example.com/{tracking_number}", "must contain {trackingNumber}"],
    [
      "aras=javascript:alert({trackingNumber})",
      'CARRIER_TRACKING_URLS: the template for "aras" must be an http(s) URL without credentials, got "javascript:alert({trackingNumber})".',
    ],
    ["aras=/track/{trackingNumber}", "must be an http(s) URL"],
    ["aras=https://u:p@t.example.com/{trackingNumber}", 'got "https://***@t.example.com/{trackingNumber}"'],
    ["=https://t.example.com/{trackingNumber}", 'CARRIER_TRACKING_URLS: "" is not a shipping_company code'],
    ["ar as=https://t.example.com/{trackingNumber}", '"ar as" is not a shipping_company code'],
    ["id:0=https://t.example.com/{trackingNumber}", '"id:0" must be id: and a positive cargo company id'],
    ["id:x=https://t.example.com/{trackingNumber}", '"id:x" must be id: and a positive cargo company id'],
    [
      "aras=https://a.example.com/{trackingNumber};ARAS=https://b.example.com/{trackingNumber}",
      'CARRIER_TRACKING_URLS: "ARAS" is given twice.',
    ],
    [
      "id:2=https://a.example.com/{trackingNumber};id:2=https://b.example.com/{trackingNumber}",
      '"id:2" is given twice.',
    ],
  ];

  it.each(rows)("%s is refused: %s", (value, fragment) => {
    const problems = problemsOf({ CARRIER_TRACKING_URLS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(fragment);
  });

  it("lists every bad entry, and only those", () => {
    const problems = problemsOf({
      CARRIER_TRACKING_URLS:
        "aras=https://ok.example.com/{trackingNumber};mng=nope;ptt;id:-1=https://x/{trackingNumber}",
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/"mng".*\n.*"ptt".*\n.*"id:-1"/);
  });
});

describe("a bad CARRIER_TRACKING_URLS at start-up", () => {
  it("stops the gateway with exit code 78 and the entry named, like any other bad setting", async () => {
    const { child, output } = spawnGateway({ CARRIER_TRACKING_URLS: "aras=https://t.example.com/?code=" });
    const [code] = await once(child, "exit");

    expect(code).toBe(78);
    expect(output()).toContain(
      'oms-graph: Invalid configuration:\n  - CARRIER_TRACKING_URLS: the template for "aras" must contain {trackingNumber}',
    );
  });
});
