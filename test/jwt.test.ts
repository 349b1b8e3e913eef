/**
 * Callers with JWTs: verified against a JSON Web Key Set served on loopback, with issuer, audience
 * and algorithms pinned. Every refusal is a 401 before any resolver, so no OMS call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

const ISSUER = "https://login.example.com/";
const AUDIENCE = "oms-graph";
const QUERY = '{ package(id: "1002") { id } }';

let h: Harness;
let jwks: http.Server;
let sign: (
  claims?: { iss?: string; aud?: string; exp?: number },
  key?: CryptoKey,
  kid?: string,
) => Promise<string>;
let stranger: CryptoKey;
let signingKey: CryptoKey;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  stranger = (await generateKeyPair("RS256")).privateKey;
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  sign = (claims = {}, key = privateKey, kid = "k1") =>
    new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setSubject("warehouse-app")
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
      .sign(key);
  h = await startHarness({
    JWT_JWKS_URL: url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    API_KEYS: "static-key",
  });
});

afterAll(async () => {
  await h.close();
  await new Promise((resolve) => jwks.close(resolve));
});

describe("JWT callers", () => {
  it("accepts a token signed by a key of the set, with the pinned issuer and audience", async () => {
    const res = await h.gql(QUERY, undefined, { authorization: `Bearer ${await sign()}` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ package: { id: "1002" } });
  });

  it("still accepts an API key next to JWTs", async () => {
    const res = await h.gql(QUERY, undefined, { authorization: "Bearer static-key" });
    expect(res.body.data).toEqual({ package: { id: "1002" } });
  });

  it.each([
    ["another issuer", () => sign({ iss: "https://evil.example.com/" })],
    ["another audience", () => sign({ aud: "someone-else" })],
    ["an expired token", () => sign({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ["a key outside the set", () => sign({}, stranger)],
    [
      "a shared-secret algorithm",
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256", kid: "k1" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime("5m")
          .sign(new TextEncoder().encode("a-guessable-shared-secret-of-32-bytes!")),
    ],
    [
      "an unsigned token",
      async () => {
        const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: 4102444800 })).toString(
          "base64url",
        );
        return `${Buffer.from('{"alg":"none"}').toString("base64url")}.${body}.`;
      },
    ],
    [
      "a token without an expiry",
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject("warehouse-app")
          .setIssuedAt()
          .sign(signingKey),
    ],
    ["garbage", async () => "not.a.jwt"],
  ])("refuses %s with 401 UNAUTHENTICATED and no OMS call", async (_name, token) => {
    h.sim.clearRequests();
    const res = await h.gql(QUERY, undefined, { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(h.sim.requests).toHaveLength(0);
  });
});
