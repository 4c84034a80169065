// The authentication contract for API keys. Managed by the blueprint: `paved drift`
// reports changes to this file.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";

import type { FastifyInstance } from "fastify";

import { ConfigError } from "../src/config.js";
import { ApiKeyAuthenticator, apiKeyConfig } from "../src/auth/apiKey.js";
import { request, startApp } from "./support.js";
import type { Reply } from "./support.js";

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

function assertUnauthorized(reply: Reply, what: string): void {
  assert.equal(reply.status, 401, `${what}: ${reply.body}`);
  assert.match(String(reply.headers["www-authenticate"]), /^Bearer/, what);
}

describe("configuration", () => {
  it("fails closed without API_KEY_SHA256, naming it", () => {
    for (const value of [undefined, "", " , "]) {
      assert.throws(
        () => apiKeyConfig(value === undefined ? {} : { API_KEY_SHA256: value }),
        (error: unknown) => error instanceof ConfigError && error.variable === "API_KEY_SHA256",
      );
    }
  });

  it("accepts only lowercase hex SHA-256 digests", () => {
    const digest = sha256("k");
    assert.equal(apiKeyConfig({ API_KEY_SHA256: `${digest}, ${sha256("j")}` }).digests.length, 2);
    for (const bad of ["0123", digest.toUpperCase(), `${digest}00`, "plain-text-key", `${digest.slice(1)}g`]) {
      assert.throws(() => apiKeyConfig({ API_KEY_SHA256: bad }), ConfigError, bad);
    }
  });
});

describe("API keys", () => {
  const key = randomBytes(32).toString("hex");
  const other = randomBytes(32).toString("hex");
  let app: FastifyInstance;
  let base: string;
  const call = (authorization?: string, path = "/v1/whoami"): Promise<Reply> =>
    request(base, path, { headers: authorization === undefined ? [] : [["authorization", authorization]] });

  before(async () => {
    const authenticator = new ApiKeyAuthenticator(apiKeyConfig({ API_KEY_SHA256: `${sha256(other)},${sha256(key)}` }));
    ({ app, base } = await startApp(authenticator));
  });
  after(async () => {
    await app.close();
  });

  it("accepts a configured key; the subject is the digest's first 8 hex characters", async () => {
    const reply = await call(`Bearer ${key}`);
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(reply.json(), { sub: sha256(key).slice(0, 8) });
    assert.equal((await call(`bearer ${other}`)).status, 200);
  });

  it("refuses wrong, near-miss and missing keys", async () => {
    assertUnauthorized(await call("Bearer wrong-key"), "wrong");
    // The last character flipped to one it cannot be, so the near miss never equals the key.
    const nearMiss = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
    assertUnauthorized(await call(`Bearer ${nearMiss}`), "near miss");
    assertUnauthorized(await call(`Bearer ${sha256(key)}`), "the digest itself");
    assertUnauthorized(await call(), "missing");
  });

  it("refuses other schemes and malformed headers", async () => {
    assertUnauthorized(await call(`Basic ${key}`), "basic");
    assertUnauthorized(await call(key), "no scheme");
    assertUnauthorized(await call(`Bearer ${key} ${key}`), "two credentials");
  });

  it("keeps health public and unknown routes behind authentication", async () => {
    assert.equal((await call(undefined, "/healthz")).status, 200);
    assert.equal((await call(undefined, "/readyz")).status, 200);
    assertUnauthorized(await call(undefined, "/no-such-route"), "unknown route");
    assert.equal((await call(`Bearer ${key}`, "/no-such-route")).status, 404);
  });

  it("answers 403 on a scoped route: API keys carry no scopes", async () => {
    assert.equal((await call(`Bearer ${key}`, "/v1/admin")).status, 403);
    assertUnauthorized(await call(undefined, "/v1/admin"), "no key");
  });
});
