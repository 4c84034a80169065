// Deny-by-default wiring, headers and limits, independent of the credential scheme (a
// stand-in authenticator accepts the credential "good"). Managed by the blueprint.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";

import type { FastifyInstance } from "fastify";

import { AuthError } from "../src/auth/index.js";
import type { Authenticator, Identity } from "../src/auth/index.js";
import { request, startApp } from "./support.js";

class StandIn implements Authenticator {
  isReady = true;
  /** While set, authentication waits for it (to hold requests in flight). */
  gate: Promise<void> | undefined;

  async authenticate(credential: string): Promise<Identity> {
    await this.gate;
    if (credential !== "good") {
      throw new AuthError("rejected", "not good");
    }
    return { sub: "stand-in", scopes: [] };
  }
  ready(): boolean {
    return this.isReady;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): void {
    // nothing to stop
  }
}

const good = [["authorization", "Bearer good"]] as const;

describe("deny by default", () => {
  let app: FastifyInstance;
  let base: string;
  const authenticator = new StandIn();

  before(async () => {
    ({ app, base } = await startApp(authenticator));
  });
  after(async () => {
    await app.close();
  });

  it("serves only GET /healthz and GET /readyz without credentials", async () => {
    assert.equal((await request(base, "/healthz")).status, 200);
    assert.equal((await request(base, "/readyz")).status, 200);
    assert.equal((await request(base, "/healthz?probe=1")).status, 200);
  });

  it("answers 401 to every other path and method without credentials", async () => {
    const cases: [string, string][] = [
      ["GET", "/v1/whoami"],
      ["GET", "/no-such-route"],
      ["GET", "/"],
      ["POST", "/healthz"],
      ["HEAD", "/healthz"],
      ["OPTIONS", "/v1/whoami"],
      ["DELETE", "/readyz"],
      ["GET", "/healthz/"],
      ["GET", "//healthz"],
      ["GET", "/HEALTHZ"],
      ["GET", "/%68ealthz"],
      ["GET", "/v1/whoami/../../healthz"],
      ["GET", "/%zz"],
      ["PUT", "/v1/whoami"],
    ];
    for (const [method, path] of cases) {
      const reply = await request(base, path, { method });
      assert.equal(reply.status, 401, `${method} ${path}`);
      assert.equal(reply.headers["www-authenticate"], "Bearer", `${method} ${path}`);
    }
  });

  it("lets an authenticated caller reach routes, and 404s unknown ones", async () => {
    const whoami = await request(base, "/v1/whoami", { headers: good });
    assert.equal(whoami.status, 200);
    assert.deepEqual(whoami.json(), { sub: "stand-in" });
    assert.equal((await request(base, "/no-such-route", { headers: good })).status, 404);
    const wrongMethod = await request(base, "/v1/whoami", { method: "POST", headers: good });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers["allow"], "GET, HEAD");
  });

  it("cannot be extended after it is built: no route escapes the hook", () => {
    assert.throws(() => app.get("/late", (_request, reply) => reply.send("open")));
  });

  it("sends the security headers and a request id on every response, 401s included", async () => {
    for (const reply of [await request(base, "/healthz"), await request(base, "/v1/whoami")]) {
      assert.equal(reply.headers["x-content-type-options"], "nosniff");
      assert.equal(reply.headers["x-frame-options"], "DENY");
      assert.equal(reply.headers["cache-control"], "no-store");
      assert.match(String(reply.headers["content-security-policy"]), /default-src 'none'/);
      assert.match(String(reply.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
      assert.equal(reply.headers["access-control-allow-origin"], undefined);
    }
  });

  it("reports not ready while the authenticator is not", async () => {
    authenticator.isReady = false;
    try {
      assert.equal((await request(base, "/readyz")).status, 503);
      assert.equal((await request(base, "/healthz")).status, 200);
    } finally {
      authenticator.isReady = true;
    }
  });
});

describe("limits", () => {
  it("sheds load with 503 beyond the concurrency cap", async () => {
    const authenticator = new StandIn();
    const { app, base } = await startApp(authenticator, { maxInFlight: 2 });
    let open: () => void = () => undefined;
    authenticator.gate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      const held = [request(base, "/v1/whoami", { headers: good }), request(base, "/v1/whoami", { headers: good })];
      await new Promise((resolve) => setTimeout(resolve, 200));
      const shed = await request(base, "/v1/whoami", { headers: good });
      assert.equal(shed.status, 503);
      assert.equal(shed.headers["retry-after"], "1");
      assert.equal((await request(base, "/healthz")).status, 200, "liveness is never shed");
      open();
      for (const reply of await Promise.all(held)) {
        assert.equal(reply.status, 200);
      }
      assert.equal((await request(base, "/v1/whoami", { headers: good })).status, 200, "capacity is given back");
    } finally {
      open();
      await app.close();
    }
  });

  it("closes connections that do not finish their headers in time (slowloris)", async () => {
    const { app, base } = await startApp(new StandIn(), { headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    try {
      const url = new URL(base);
      const socket = connect(Number(url.port), url.hostname);
      const started = Date.now();
      socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(false);
        }, 5_000);
        socket.on("data", () => undefined);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.on("error", () => undefined);
      });
      assert.ok(closed, "the server kept a slow-header connection open for 5 s");
      assert.ok(Date.now() - started < 4_000);
    } finally {
      await app.close();
    }
  });

  it("refuses request bodies over the limit", async () => {
    const { app, base } = await startApp(new StandIn(), { bodyLimit: 1024 });
    try {
      const reply = await fetch(`${base}/v1/whoami`, {
        method: "POST",
        headers: { authorization: "Bearer good", "content-type": "application/json" },
        body: JSON.stringify({ padding: "x".repeat(4096) }),
      });
      assert.equal(reply.status, 413);
    } finally {
      await app.close();
    }
  });
});
