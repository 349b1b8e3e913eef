import { describe, expect, it } from "vitest";
import { loadSimulatorConfig, SimulatorConfigError } from "../src/simulator/config.js";

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadSimulatorConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SimulatorConfigError);
    return (error as SimulatorConfigError).problems;
  }
  return [];
}

describe("the standalone simulator's settings", () => {
  it("defaults to loopback, port 4010, no added latency and no access log", () => {
    expect(loadSimulatorConfig({})).toStrictEqual({
      host: "127.0.0.1",
      port: 4010,
      latencyMs: 0,
      accessLog: false,
    });
  });

  it("reads HOST, OMS_SIMULATOR_PORT, OMS_SIMULATOR_LATENCY_MS and OMS_SIMULATOR_ACCESS_LOG", () => {
    const env = {
      HOST: " 0.0.0.0 ",
      OMS_SIMULATOR_PORT: "65535",
      OMS_SIMULATOR_LATENCY_MS: "60000",
      OMS_SIMULATOR_ACCESS_LOG: "TRUE",
    };
    expect(loadSimulatorConfig(env)).toStrictEqual({
      host: "0.0.0.0",
      port: 65535,
      latencyMs: 60_000,
      accessLog: true,
    });
    expect(loadSimulatorConfig({ OMS_SIMULATOR_ACCESS_LOG: "false" }).accessLog).toBe(false);
    expect(loadSimulatorConfig({ HOST: "::1" }).host).toBe("::1");
    expect(loadSimulatorConfig({ HOST: "oms-sim.internal" }).host).toBe("oms-sim.internal");
  });

  it("reads nothing else: NODE_ENV and the gateway's settings change nothing", () => {
    const env = {
      NODE_ENV: "production",
      PORT: "http",
      API_KEYS: "",
      OMS_BASE_URL: "x",
      OMS_TIMEOUT_MS: "no",
    };
    expect(loadSimulatorConfig(env)).toStrictEqual(loadSimulatorConfig({}));
  });

  it.each([
    ["OMS_SIMULATOR_PORT", "70000", 'OMS_SIMULATOR_PORT must be an integer from 0 to 65535, got "70000".'],
    ["OMS_SIMULATOR_PORT", "80.5", 'OMS_SIMULATOR_PORT must be an integer from 0 to 65535, got "80.5".'],
    [
      "OMS_SIMULATOR_LATENCY_MS",
      "60001",
      'OMS_SIMULATOR_LATENCY_MS must be an integer from 0 to 60000, got "60001".',
    ],
    [
      "OMS_SIMULATOR_LATENCY_MS",
      "1s",
      'OMS_SIMULATOR_LATENCY_MS must be an integer from 0 to 60000, got "1s".',
    ],
    ["HOST", "http://localhost", 'HOST must be an IP address or a host name, got "http://localhost".'],
    ["OMS_SIMULATOR_ACCESS_LOG", "1", 'OMS_SIMULATOR_ACCESS_LOG must be true or false, got "1".'],
  ])("refuses %s=%s", (name, value, problem) => {
    expect(problemsOf({ [name]: value })).toStrictEqual([problem]);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({ HOST: "a b", OMS_SIMULATOR_PORT: "99999", OMS_SIMULATOR_LATENCY_MS: "-5" });
    expect(problems).toHaveLength(3);
    expect(problems.map((problem) => problem.split(" ")[0])).toStrictEqual([
      "HOST",
      "OMS_SIMULATOR_PORT",
      "OMS_SIMULATOR_LATENCY_MS",
    ]);
  });
});
