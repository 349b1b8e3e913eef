/**
 * The Grafana dashboard and the Prometheus alert rules in ops/ ask only for metrics the gateway
 * exposes (read from a running gateway's /metrics), and promtool accepts them: the rules, their unit
 * tests (ops/prometheus/alerts.test.yml) and every dashboard query. promtool comes with Debian's
 * prometheus package: without it the promtool half is skipped on a workstation, and fails in CI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

const DASHBOARD = "ops/grafana/oms-graph.json";
const ALERTS = "ops/prometheus/alerts.yml";
const ALERT_TESTS = "ops/prometheus/alerts.test.yml";

const IN_CI = process.env.CI === "true";
const PROMTOOL = spawnSync("promtool", ["--version"]).error === undefined;
const SKIP_PROMTOOL = !PROMTOOL && !IN_CI;
if (SKIP_PROMTOOL) {
  console.warn("promtool is not installed (apt-get install prometheus): the promtool checks are skipped");
}

// Private: metric names as PromQL spells them: ours, and prom-client's process and Node.js ones.
const METRIC = /\b(?:oms_graph|process|nodejs)_[a-z0-9_]+\b/g;

/** The dashboard's PromQL (its panels' targets) and Grafana's queries of its variables (label_values). */
function dashboardQueries(): { panels: string[]; variables: string[] } {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  return {
    panels: dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    variables: dashboard.templating.list.flatMap((variable) =>
      variable.definition ? [variable.definition] : [],
    ),
  };
}

/** The series names a scrape can contain: each metric's name, and a histogram's _bucket, _count, _sum. */
function exposedNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const match of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = "", type] = match;
    names.add(name);
    if (type === "histogram" || type === "summary") {
      for (const suffix of ["_bucket", "_count", "_sum"]) names.add(name + suffix);
    }
  }
  return names;
}

describe("the dashboard and the alert rules", () => {
  let h: Harness;
  let exposed: Set<string>;

  beforeAll(async () => {
    h = await startHarness();
    const res = await request(`${h.url}/metrics`);
    exposed = exposedNames(await res.body.text());
  });
  afterAll(() => h.close());

  it("query only metrics the gateway exposes", () => {
    const { panels, variables } = dashboardQueries();
    const queries = [...panels, ...variables];
    expect(panels.length).toBeGreaterThan(20);
    const inDashboard = new Set(queries.flatMap((query) => query.match(METRIC) ?? []));
    const inAlerts = new Set(readFileSync(ALERTS, "utf8").match(METRIC) ?? []);
    expect(inDashboard.size).toBeGreaterThan(15);
    expect(inAlerts.size).toBeGreaterThanOrEqual(5);
    expect([...inDashboard].filter((name) => !exposed.has(name))).toEqual([]);
    expect([...inAlerts].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("would catch a metric the gateway does not expose", () => {
    expect(exposed.has("oms_graph_oms_call_duration_seconds_count")).toBe(true);
    expect(exposed.has("oms_graph_oms_calls_total")).toBe(false);
  });

  it("alert on the breaker, the OMS error rate, unknown outcomes and readiness", () => {
    const alerts = readFileSync(ALERTS, "utf8");
    for (const name of [
      "OmsGraphCircuitBreakerOpen",
      "OmsGraphOmsErrorRate",
      "OmsGraphOutcomeUnknown",
      "OmsGraphNotReady",
    ]) {
      expect(alerts).toContain(`alert: ${name}\n`);
    }
  });
});

describe.skipIf(SKIP_PROMTOOL)("promtool", () => {
  const promtool = (...args: string[]) => {
    const run = spawnSync("promtool", args, { encoding: "utf8" });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  it("accepts the alert rules and passes their unit tests", () => {
    const check = promtool("check", "rules", ALERTS);
    expect(check.output).toContain("SUCCESS");
    expect(check.status).toBe(0);
    const tests = promtool("test", "rules", ALERT_TESTS);
    expect(tests.output).toContain("SUCCESS");
    expect(tests.status).toBe(0);
  });

  it("parses every query of the dashboard's panels, Grafana's variables filled in", () => {
    const dir = mkdtempSync(join(tmpdir(), "oms-graph-dashboard-"));
    try {
      // Each query as a recording rule, which promtool parses; JSON is YAML.
      const rules = dashboardQueries().panels.map((query, index) => ({
        record: `dashboard:query_${index}`,
        expr: query.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".*"),
      }));
      const file = join(dir, "dashboard-rules.json");
      writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
      const check = promtool("check", "rules", file);
      expect(check.output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(check.status).toBe(0);

      writeFileSync(
        file,
        JSON.stringify({ groups: [{ name: "broken", rules: [{ record: "a:b", expr: "sum(" }] }] }),
      );
      expect(promtool("check", "rules", file).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
