/**
 * The caller checks: API keys (createCallerCheck) and the router secret (createSecretCheck) accept
 * exactly the configured values, consistently, and everything when none is configured.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCallerCheck, createSecretCheck } from "../../src/http/caller.js";
import { cleanups } from "../helpers/listen.js";

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("createCallerCheck", () => {
  const check = createCallerCheck(["key-1"]);

  it.each([
    ["Bearer key-1", true],
    ["bearer key-1", true],
    ["BEARER key-1", true],
    ["Bearer   key-1  ", true],
    ["Bearer key-2", false],
    ["Bearer key-1x", false],
    ["Bearer key-", false],
    ["Bearer key-1 key-1", false],
    ["Token key-1", false],
    ["key-1", false],
    ["Bearer", false],
    ["Bearer ", false],
    ["", false],
  ])("%j → %s", (header, accepted) => {
    expect(check(header)).toBe(accepted);
  });

  it("refuses a missing header", () => {
    expect(check(undefined)).toBe(false);
  });

  it("accepts each of several keys and nothing else", () => {
    const several = createCallerCheck(["key-a", "key-b", "key-c"]);
    expect(several("Bearer key-a")).toBe(true);
    expect(several("Bearer key-b")).toBe(true);
    expect(several("Bearer key-c")).toBe(true);
    expect(several("Bearer key-d")).toBe(false);
    expect(several("Bearer key-a,key-b")).toBe(false);
  });

  it("answers the same on repeated checks, whichever came first", () => {
    const repeated = createCallerCheck(["key-1"]);
    for (let i = 0; i < 3; i++) {
      expect(repeated("Bearer key-2")).toBe(false);
      expect(repeated("Bearer key-1")).toBe(true);
      expect(repeated("Bearer key-1x")).toBe(false);
    }
  });

  it("stays right after remembering more accepted values than it keeps", () => {
    const many = createCallerCheck(["key-1"]);
    // 300 spellings of the same valid header (more than the 256 remembered) and a wrong one between each.
    for (let spaces = 1; spaces <= 300; spaces++) {
      expect(many(`Bearer${" ".repeat(spaces)}key-1`)).toBe(true);
      expect(many(`Bearer${" ".repeat(spaces)}key-9`)).toBe(false);
    }
    expect(many("Bearer key-1")).toBe(true);
    expect(many("Bearer key-1 ")).toBe(true);
  });

  it("accepts every caller when no keys are configured", () => {
    const open = createCallerCheck([]);
    expect(open(undefined)).toBe(true);
    expect(open("")).toBe(true);
    expect(open("Bearer anything")).toBe(true);
  });
});

describe("createSecretCheck (Router-Authorization)", () => {
  it("accepts the secret alone, again and again, and nothing else", () => {
    const check = createSecretCheck("router-secret");
    for (let i = 0; i < 3; i++) {
      expect(check("router-secret")).toBe(true);
      expect(check("router-secret ")).toBe(false);
      expect(check("router-secre")).toBe(false);
      expect(check(["router-secret", "router-secret"])).toBe(false);
      expect(check(undefined)).toBe(false);
    }
  });

  it("accepts everything when no secret is configured", () => {
    expect(createSecretCheck(null)(undefined)).toBe(true);
  });
});
