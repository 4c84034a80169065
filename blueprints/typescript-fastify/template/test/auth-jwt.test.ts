// The authentication contract for OIDC/JWT bearer tokens, proven against a JWKS served
// on 127.0.0.1. Managed by the blueprint: `paved drift` reports changes to this file.

import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, sign as rsaSign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { after, before, describe, it } from "node:test";

import { base64url, exportSPKI, SignJWT, UnsecuredJWT } from "jose";
import type { FastifyInstance } from "fastify";

import { ConfigError } from "../src/config.js";
import { ALLOWED_ALGORITHMS, JwtAuthenticator, jwtConfig, LEEWAY_SECONDS } from "../src/auth/jwt.js";
import type { JwksOptions } from "../src/auth/jwks.js";
import {
  AUDIENCE,
  bearer,
  eventually,
  ISSUER,
  JwksServer,
  makeKey,
  now,
  request,
  sign,
  startApp,
  validClaims,
} from "./support.js";
import type { Reply, TestKey } from "./support.js";

const env = (jwksUrl: string, extra: Record<string, string> = {}): Record<string, string> => ({
  AUTH_ISSUER: ISSUER,
  AUTH_AUDIENCE: AUDIENCE,
  AUTH_JWKS_URL: jwksUrl,
  ...extra,
});

/** A token signed with node:crypto, for keys and headers jose rightly refuses to sign with. */
function rawToken(header: object, claims: object, privateKey: KeyObject, hash: string): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  return `${input}.${base64url.encode(rsaSign(hash, Buffer.from(input), privateKey))}`;
}

function assertUnauthorized(reply: Reply, what: string): void {
  assert.equal(reply.status, 401, `${what}: ${reply.body}`);
  assert.match(String(reply.headers["www-authenticate"]), /^Bearer/, what);
  assert.deepEqual(reply.json(), { error: "unauthorized" }, what);
}

interface Running {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly authenticator: JwtAuthenticator;
}

async function serve(
  jwks: JwksServer,
  extraEnv: Record<string, string> = {},
  options: Partial<Omit<JwksOptions, "url">> = {},
): Promise<Running> {
  const authenticator = new JwtAuthenticator(jwtConfig(env(jwks.url, extraEnv)), options);
  await authenticator.start();
  const { app, base } = await startApp(authenticator);
  return { app, base, authenticator };
}

async function stop(running: Running): Promise<void> {
  running.authenticator.stop();
  await running.app.close();
}

describe("configuration", () => {
  const complete = env("https://issuer.test/jwks.json");

  it("accepts a complete configuration", () => {
    const config = jwtConfig(complete);
    assert.equal(config.issuer, ISSUER);
    assert.equal(config.jwksUrl.href, "https://issuer.test/jwks.json");
  });

  for (const variable of ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"]) {
    it(`fails closed without ${variable}, naming it`, () => {
      const partial: Record<string, string> = { ...complete };
      partial[variable] = " ";
      assert.throws(() => jwtConfig(partial), (error: unknown) => {
        return error instanceof ConfigError && error.variable === variable && error.message.includes(variable);
      });
    });
  }

  it("requires https for the JWKS, except to a loopback address", () => {
    for (const url of ["http://issuer.test/jwks.json", "ftp://issuer.test/jwks", "not a url", "https://u:p@issuer.test/j"]) {
      assert.throws(() => jwtConfig(env(url)), ConfigError, url);
    }
    for (const url of ["http://127.0.0.1:9/jwks.json", "http://[::1]:9/jwks.json", "http://localhost:9/j"]) {
      assert.doesNotThrow(() => jwtConfig(env(url)), url);
    }
  });

  it("refuses an empty client allow-list and a malformed token type", () => {
    assert.throws(() => jwtConfig(env("https://i.test/j", { AUTH_ALLOWED_CLIENTS: " , " })), ConfigError);
    assert.throws(() => jwtConfig(env("https://i.test/j", { AUTH_TOKEN_TYPE: "at jwt" })), ConfigError);
  });

  it("allows only asymmetric algorithms and at most 60 s of leeway", () => {
    assert.ok(ALLOWED_ALGORITHMS.every((alg) => !alg.startsWith("HS") && alg !== "none"));
    assert.ok(LEEWAY_SECONDS <= 60);
  });
});

describe("bearer tokens", () => {
  let jwks: JwksServer;
  let rsa: TestKey;
  let ec: TestKey;
  let ps: TestKey;
  let attacker: TestKey;
  let running: Running;
  // An RSA key published with `alg: RS256`, held as a node:crypto key to sign anything.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const declaredJwk = { ...publicKey.export({ format: "jwk" }), kid: "k-declared", alg: "RS256", use: "sig" };
  const call = (token: string | undefined, path = "/v1/whoami"): Promise<Reply> =>
    request(running.base, path, { headers: token === undefined ? [] : bearer(token) });

  before(async () => {
    rsa = await makeKey("RS256", "k-rsa");
    ec = await makeKey("ES256", "k-ec");
    ps = await makeKey("PS256", "k-ps");
    attacker = await makeKey("RS256", "k-rsa");
    jwks = await JwksServer.start({ keys: [rsa.jwk, ec.jwk, ps.jwk, declaredJwk] });
    running = await serve(jwks);
  });

  after(async () => {
    await stop(running);
    await jwks.close();
  });

  it("accepts a valid RS256 token and returns its subject", async () => {
    const reply = await call(await sign(rsa));
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(reply.json(), { sub: "alice" });
  });

  it("accepts valid ES256 and PS256 tokens", async () => {
    assert.equal((await call(await sign(ec))).status, 200);
    assert.equal((await call(await sign(ps))).status, 200);
  });

  it("accepts an RFC 9068 access token (typ at+jwt)", async () => {
    assert.equal((await call(await sign(rsa, validClaims(), { typ: "at+jwt" }))).status, 200);
  });

  it("refuses a request without a token", async () => {
    const reply = await call(undefined);
    assertUnauthorized(reply, "missing");
    assert.equal(reply.headers["www-authenticate"], "Bearer");
  });

  it("refuses malformed Authorization headers and other schemes", async () => {
    const token = await sign(rsa);
    const cases: [string, string][] = [
      ["Bearer", "bearer without credential"],
      ["Bearer ", "empty credential"],
      [`Bearer ${token} extra`, "two credentials"],
      [`Basic ${token}`, "basic scheme"],
      [token, "no scheme"],
      [`Bearer ${"a".repeat(9000)}`, "oversized"],
    ];
    for (const [value, what] of cases) {
      assertUnauthorized(await request(running.base, "/v1/whoami", { headers: [["authorization", value]] }), what);
    }
  });

  it("refuses two Authorization headers even when one is valid", async () => {
    const token = await sign(rsa);
    const reply = await request(running.base, "/v1/whoami", {
      headers: [
        ["authorization", `Bearer ${token}`],
        ["authorization", "Bearer junk"],
      ],
    });
    assertUnauthorized(reply, "duplicate header");
  });

  it("refuses a forged signature and a spliced token", async () => {
    const forged = await sign(attacker);
    const reply = await call(forged);
    assertUnauthorized(reply, "forged");
    assert.equal(reply.headers["www-authenticate"], 'Bearer error="invalid_token"');

    const genuine = (await sign(rsa)).split(".");
    const other = (await sign(rsa, validClaims({ sub: "mallory" }))).split(".");
    assertUnauthorized(await call(`${String(genuine[0])}.${String(other[1])}.${String(genuine[2])}`), "spliced");
  });

  it("refuses expired and not-yet-valid tokens beyond the leeway, accepts skew within it", async () => {
    assertUnauthorized(await call(await sign(rsa, validClaims({ exp: now() - 120 }))), "expired");
    assertUnauthorized(await call(await sign(rsa, validClaims({ nbf: now() + 120 }))), "not yet valid");
    assertUnauthorized(await call(await sign(rsa, validClaims({ iat: now() + 300 }))), "issued in the future");
    assert.equal((await call(await sign(rsa, validClaims({ iat: now() + 10 })))).status, 200, "iat skew within leeway");
    assert.equal((await call(await sign(rsa, validClaims({ exp: now() - 30 })))).status, 200, "skew within leeway");
  });

  it("requires exp and sub", async () => {
    const noExp = validClaims();
    delete noExp.exp;
    assertUnauthorized(await call(await sign(rsa, noExp)), "no exp");
    const noSub = validClaims();
    delete noSub.sub;
    assertUnauthorized(await call(await sign(rsa, noSub)), "no sub");
    assertUnauthorized(await call(await sign(rsa, validClaims({ sub: "" }))), "empty sub");
  });

  it("refuses a wrong audience or issuer, and tokens without them", async () => {
    assertUnauthorized(await call(await sign(rsa, validClaims({ aud: "someone-else" }))), "wrong aud");
    assertUnauthorized(await call(await sign(rsa, validClaims({ iss: "https://evil.test/" }))), "wrong iss");
    const noAud = validClaims();
    delete noAud.aud;
    assertUnauthorized(await call(await sign(rsa, noAud)), "no aud");
    const noIss = validClaims();
    delete noIss.iss;
    assertUnauthorized(await call(await sign(rsa, noIss)), "no iss");
  });

  it("refuses alg none", async () => {
    const unsigned = new UnsecuredJWT(validClaims()).encode();
    assertUnauthorized(await call(unsigned), "alg none");
    // The same with a kid the JWKS knows.
    const [, payload] = unsigned.split(".");
    const header = base64url.encode(JSON.stringify({ alg: "none", kid: "k-rsa", typ: "JWT" }));
    assertUnauthorized(await call(`${header}.${String(payload)}.`), "alg none with kid");
  });

  it("refuses HS256 signed with the RSA public key (algorithm confusion)", async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, JSON.stringify(rsa.jwk)]) {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: "HS256", kid: "k-rsa", typ: "JWT" })
        .sign(new TextEncoder().encode(secret));
      assertUnauthorized(await call(token), "HS256 confusion");
    }
  });

  it("refuses a token whose alg does not fit the key named by kid", async () => {
    // ES256 header naming the RSA key: no key of that type under that kid.
    const mismatched = await sign(ec, validClaims(), { kid: "k-rsa" });
    assertUnauthorized(await call(mismatched), "alg/key mismatch");
    // RS384 claimed and used, but the key under that kid declares RS256.
    const declared = rawToken({ alg: "RS384", kid: "k-declared", typ: "JWT" }, validClaims(), privateKey, "sha384");
    assertUnauthorized(await call(declared), "alg differs from the key's alg");
    const honest = rawToken({ alg: "RS256", kid: "k-declared", typ: "JWT" }, validClaims(), privateKey, "sha256");
    assert.equal((await call(honest)).status, 200, "same key with its declared alg");
  });

  it("refuses a token without kid", async () => {
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(rsa.privateKey);
    assertUnauthorized(await call(token), "no kid");
  });

  it("refuses token types other than JWT access tokens", async () => {
    for (const typ of ["dpop+jwt", "logout+jwt", "secevent+jwt"]) {
      assertUnauthorized(await call(await sign(rsa, validClaims(), { typ })), typ);
    }
  });

  it("keeps /healthz and /readyz public, and unknown routes behind authentication", async () => {
    assert.equal((await call(undefined, "/healthz")).status, 200);
    assert.equal((await call(undefined, "/readyz")).status, 200);
    assertUnauthorized(await call(undefined, "/no-such-route"), "unknown route");
    assertUnauthorized(await call(await sign(attacker), "/no-such-route"), "unknown route, forged");
    assert.equal((await call(await sign(rsa), "/no-such-route")).status, 404);
  });

  it("fetched the JWKS once at start-up", () => {
    assert.equal(jwks.fetches, 1);
  });
});

describe("scopes", () => {
  let jwks: JwksServer;
  let key: TestKey;
  let running: Running;

  before(async () => {
    key = await makeKey("RS256", "k1");
    jwks = await JwksServer.start({ keys: [key.jwk] });
    running = await serve(jwks);
  });
  after(async () => {
    await stop(running);
    await jwks.close();
  });

  it("serves a scoped route to a caller with the scope (scope or scp)", async () => {
    for (const claims of [{ scope: "read admin" }, { scp: ["admin"] }, { scp: "admin" }]) {
      const reply = await request(running.base, "/v1/admin", { headers: bearer(await sign(key, validClaims(claims))) });
      assert.equal(reply.status, 200, JSON.stringify(claims));
      assert.ok((reply.json().scopes as string[]).includes("admin"));
    }
  });

  it("answers 403 to an authenticated caller without the scope, 401 to anyone else", async () => {
    const reply = await request(running.base, "/v1/admin", {
      headers: bearer(await sign(key, validClaims({ scope: "read administrator" }))),
    });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers["www-authenticate"], 'Bearer error="insufficient_scope", scope="admin"');
    assertUnauthorized(await request(running.base, "/v1/admin"), "no token");
  });
});

describe("token type and client allow-lists", () => {
  let jwks: JwksServer;
  let key: TestKey;
  let running: Running;

  before(async () => {
    key = await makeKey("RS256", "k1");
    jwks = await JwksServer.start({ keys: [key.jwk] });
    running = await serve(jwks, { AUTH_TOKEN_TYPE: "at+jwt", AUTH_ALLOWED_CLIENTS: "web-app, cli" });
  });
  after(async () => {
    await stop(running);
    await jwks.close();
  });

  const call = async (claims: Record<string, unknown>, typ?: string): Promise<Reply> => {
    const header = typ === undefined ? {} : { typ };
    const token = await sign(key, validClaims(claims), header);
    return request(running.base, "/v1/whoami", { headers: bearer(token) });
  };

  it("accepts at+jwt from an allowed client (azp or client_id)", async () => {
    assert.equal((await call({ azp: "web-app" }, "at+jwt")).status, 200);
    assert.equal((await call({ client_id: "cli" }, "application/at+jwt")).status, 200);
  });

  it("refuses other token types when AUTH_TOKEN_TYPE is set", async () => {
    assertUnauthorized(await call({ azp: "web-app" }, "JWT"), "typ JWT");
    const untyped = await new SignJWT(validClaims({ azp: "web-app" }))
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(key.privateKey);
    assertUnauthorized(await request(running.base, "/v1/whoami", { headers: bearer(untyped) }), "no typ");
  });

  it("refuses clients that are not allowed, and tokens naming none", async () => {
    assertUnauthorized(await call({ azp: "intruder" }, "at+jwt"), "unknown azp");
    assertUnauthorized(await call({}, "at+jwt"), "no azp");
  });
});

describe("signing keys: loading, rotation, refetch limits, staleness", () => {
  it("is not ready before the keys are loaded, and ready after", async () => {
    const key = await makeKey("RS256", "k1");
    const jwks = await JwksServer.start({ keys: [key.jwk] });
    jwks.delayMs = 400;
    const authenticator = new JwtAuthenticator(jwtConfig(env(jwks.url)));
    const { app, base } = await startApp(authenticator);
    const starting = authenticator.start();
    try {
      assert.equal((await request(base, "/readyz")).status, 503);
      assert.equal((await request(base, "/healthz")).status, 200);
      await starting;
      assert.equal((await request(base, "/readyz")).status, 200);
      assert.equal((await request(base, "/v1/whoami", { headers: bearer(await sign(key)) })).status, 200);
    } finally {
      authenticator.stop();
      await app.close();
      await jwks.close();
    }
  });

  it("refetches once for an unknown kid (rotation), then rate-limits further refetches", async () => {
    const old = await makeKey("RS256", "k-old");
    const rotated = await makeKey("RS256", "k-new");
    const jwks = await JwksServer.start({ keys: [old.jwk] });
    const running = await serve(jwks, {}, { minRefreshIntervalMs: 0 });
    try {
      jwks.document = { keys: [old.jwk, rotated.jwk] };
      const reply = await request(running.base, "/v1/whoami", { headers: bearer(await sign(rotated)) });
      assert.equal(reply.status, 200, "rotated key picked up");
      assert.equal(jwks.fetches, 2);
    } finally {
      await stop(running);
      await jwks.close();
    }

    const limited = await JwksServer.start({ keys: [old.jwk] });
    const slow = await serve(limited, {}, { minRefreshIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 5; i++) {
        const token = await sign(old, validClaims(), { kid: `made-up-${String(i)}` });
        assertUnauthorized(await request(slow.base, "/v1/whoami", { headers: bearer(token) }), "unknown kid");
      }
      assert.equal(limited.fetches, 1, "unknown kids within the interval trigger no fetch");
    } finally {
      await stop(slow);
      await limited.close();
    }
  });

  it("fails closed when the JWKS is unreachable or broken", async () => {
    const key = await makeKey("RS256", "k1");
    for (const breakIt of [
      (server: JwksServer) => { server.status = 500; },
      (server: JwksServer) => { server.document = { keys: "nope" }; },
      (server: JwksServer) => { server.document = { keys: [{ kty: "oct", kid: "k1", k: "c2VjcmV0" }] }; },
      (server: JwksServer) => { server.document = { keys: [key.jwk], padding: "x".repeat(70 * 1024) }; },
    ]) {
      const jwks = await JwksServer.start({ keys: [key.jwk] });
      breakIt(jwks);
      const running = await serve(jwks);
      try {
        assert.equal((await request(running.base, "/readyz")).status, 503);
        assertUnauthorized(await request(running.base, "/v1/whoami", { headers: bearer(await sign(key)) }), "no keys");
      } finally {
        await stop(running);
        await jwks.close();
      }
    }
  });

  it("refuses an HS256 token signed with the secret of an oct key in the JWKS", async () => {
    const key = await makeKey("RS256", "k1");
    const secret = randomBytes(32).toString("hex");
    const oct = { kty: "oct", kid: "k-oct", alg: "HS256", k: base64url.encode(secret) };
    const jwks = await JwksServer.start({ keys: [key.jwk, oct] });
    const running = await serve(jwks);
    try {
      const token = await new SignJWT(validClaims())
        .setProtectedHeader({ alg: "HS256", kid: "k-oct", typ: "JWT" })
        .sign(new TextEncoder().encode(secret));
      assertUnauthorized(await request(running.base, "/v1/whoami", { headers: bearer(token) }), "oct key");
    } finally {
      await stop(running);
      await jwks.close();
    }
  });

  it("refuses tokens signed with an RSA key shorter than 2048 bits", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k-weak", alg: "RS256", use: "sig" };
    const jwks = await JwksServer.start({ keys: [jwk] });
    const running = await serve(jwks);
    try {
      const token = rawToken({ alg: "RS256", kid: "k-weak", typ: "JWT" }, validClaims(), privateKey, "sha256");
      assertUnauthorized(await request(running.base, "/v1/whoami", { headers: bearer(token) }), "1024-bit key");
    } finally {
      await stop(running);
      await jwks.close();
    }
  });

  it("drops keys that could not be refreshed for too long: not ready, tokens refused", async () => {
    const key = await makeKey("RS256", "k1");
    const jwks = await JwksServer.start({ keys: [key.jwk] });
    const running = await serve(jwks, {}, { maxKeyAgeMs: 300, minRefreshIntervalMs: 50, refreshIntervalMs: 100 });
    try {
      assert.equal((await request(running.base, "/readyz")).status, 200);
      jwks.status = 503;
      assert.ok(await eventually(async () => (await request(running.base, "/readyz")).status === 503), "stale keys");
      assertUnauthorized(await request(running.base, "/v1/whoami", { headers: bearer(await sign(key)) }), "stale");
      jwks.status = 200;
      assert.ok(await eventually(async () => (await request(running.base, "/readyz")).status === 200), "recovered");
    } finally {
      await stop(running);
      await jwks.close();
    }
  });
});
