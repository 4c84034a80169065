// Helpers shared by the tests: a JWKS served on 127.0.0.1, keys and tokens made with
// jose at run time (nothing secret is committed), the application on a loopback port.

import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";

import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CryptoKey, JWK, JWTPayload } from "jose";
import type { FastifyInstance } from "fastify";

import { buildApp } from "../src/app.js";
import type { Authenticator } from "../src/auth/index.js";
import type { Limits } from "../src/limits.js";

export const ISSUER = "https://issuer.test/";
export const AUDIENCE = "demo-api";

export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** A JWKS document on 127.0.0.1 that tests can change, break or slow down. */
export class JwksServer {
  document: unknown = { keys: [] };
  /** HTTP status to answer with; 200 serves `document`. */
  status = 200;
  /** Delay before answering, in milliseconds. */
  delayMs = 0;
  fetches = 0;
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((_request, response) => {
      this.fetches += 1;
      setTimeout(() => {
        const body = JSON.stringify(this.document);
        response.writeHead(this.status, { "content-type": "application/json" });
        response.end(body);
      }, this.delayMs);
    });
  }

  static async start(document: unknown): Promise<JwksServer> {
    const server = new JwksServer();
    server.document = document;
    server.#server.listen(0, "127.0.0.1");
    await once(server.#server, "listening");
    return server;
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${String(address.port)}/jwks.json`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }
}

export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function makeKey(alg: "RS256" | "PS256" | "ES256" | "ES384", kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, jwk };
}

export function validClaims(extra: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, sub: "alice", iat: now(), exp: now() + 300, ...extra };
}

/** A token signed by `key`; `header` overrides the protected header (kid, typ, alg). */
export async function sign(
  key: TestKey,
  claims: JWTPayload = validClaims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json(): Record<string, unknown>;
}

/** One request with `rawHeaders` sent exactly as given (repeated names included). */
export function request(
  base: string,
  path: string,
  options: { method?: string; headers?: readonly (readonly [string, string])[] } = {},
): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path, method: options.method ?? "GET", timeout: 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
      },
    );
    for (const [name, value] of options.headers ?? []) {
      outgoing.appendHeader(name, value);
    }
    outgoing.on("timeout", () => outgoing.destroy(new Error("request timed out")));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

export function bearer(token: string): readonly (readonly [string, string])[] {
  return [["authorization", `Bearer ${token}`]];
}

/** The application listening on 127.0.0.1 (random port), logging silenced. */
export async function startApp(
  authenticator: Authenticator,
  limits: Partial<Limits> = {},
): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApp({ authenticator, limits, logLevel: false });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, base };
}

/** Polls `check` every 20 ms until it holds, for at most `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
