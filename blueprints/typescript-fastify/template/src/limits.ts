// Connection and request limits: slow or idle clients are disconnected, and beyond
// `maxInFlight` concurrent requests the service sheds load with 503 instead of queueing.
// Managed by the blueprint: `paved drift` reports changes to this file.

import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";

import type { FastifyInstance } from "fastify";

export interface Limits {
  /** Requests handled at once; more get 503 with Retry-After (GET /healthz excepted). */
  readonly maxInFlight: number;
  /** Open connections; further connections are closed at once. */
  readonly maxConnections: number;
  /** Time to receive the request headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request. */
  readonly requestTimeoutMs: number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveTimeoutMs: number;
  /** Inactivity on a socket before it is destroyed. */
  readonly idleTimeoutMs: number;
  /** Requests served on one connection before it is closed. */
  readonly maxRequestsPerSocket: number;
  /** Largest request body, in bytes. */
  readonly bodyLimit: number;
  /** Largest request head (request line and headers), in bytes. */
  readonly maxHeaderSize: number;
}

export const LIMIT_DEFAULTS: Limits = {
  maxInFlight: 256,
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxRequestsPerSocket: 1_000,
  bodyLimit: 64 * 1024,
  maxHeaderSize: 16 * 1024,
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A `serverFactory` for fastify: the HTTP server with every limit applied. */
export function limitedServer(limits: Limits): (handler: Handler) => Server {
  return (handler) => {
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // How often Node checks the two timeouts above (its default is 30 s).
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
        maxHeaderSize: limits.maxHeaderSize,
      },
      handler,
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
    server.maxConnections = limits.maxConnections;
    server.setTimeout(limits.idleTimeoutMs);
    return server;
  };
}

/**
 * Counts requests in flight from the first hook until the response is closed (sent or
 * aborted) and answers 503 beyond `maxInFlight`. Registered before authentication, so an
 * overload costs no token verification.
 */
export function installLoadShedding(app: FastifyInstance, limits: Limits): void {
  let inFlight = 0;
  app.addHook("onRequest", async (request, reply) => {
    if (request.method === "GET" && request.url === "/healthz") {
      return;
    }
    if (inFlight >= limits.maxInFlight) {
      request.log.warn({ event: "load_shed", inFlight }, "request shed: too many in flight");
      return reply.code(503).header("retry-after", "1").send({ error: "overloaded" });
    }
    inFlight += 1;
    reply.raw.once("close", () => {
      inFlight -= 1;
    });
  });
}
