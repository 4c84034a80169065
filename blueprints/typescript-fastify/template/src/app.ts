// The application: security headers, load shedding and authentication in front of every
// route, then the public probes and the API. Managed by the blueprint: `paved drift`
// reports changes to this file; add endpoints in routes.ts.

import { randomUUID } from "node:crypto";

import Fastify, { LogController } from "fastify";
import type { FastifyError, FastifyInstance, FastifyReply, HTTPMethods } from "fastify";

import { installAuthentication } from "./auth/index.js";
import type { Authenticator } from "./auth/index.js";
import type { LogLevel } from "./config.js";
import { installLoadShedding, LIMIT_DEFAULTS, limitedServer } from "./limits.js";
import type { Limits } from "./limits.js";
import { api } from "./routes.js";

export interface AppOptions {
  readonly authenticator: Authenticator;
  readonly limits?: Partial<Limits>;
  /** Log level; `false` silences logging (tests). */
  readonly logLevel?: LogLevel | false;
}

/** Sent on every response, 401s and 503s included. */
/** The methods a 405 may name in Allow. */
const ROUTE_METHODS: readonly HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "cache-control": "no-store",
  "cross-origin-resource-policy": "same-origin",
};

/**
 * Builds the application and seals it: the returned instance has booted, so no route
 * can be added afterwards (fastify refuses), and nothing can be mounted beside the
 * authentication hook.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits: Limits = { ...LIMIT_DEFAULTS, ...options.limits };
  const app = Fastify({
    serverFactory: limitedServer(limits),
    bodyLimit: limits.bodyLimit,
    routerOptions: { maxParamLength: 200 },
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Request ids are ours, never taken from the client (which could forge log lines).
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: "requestId" }),
    logger:
      options.logLevel === false
        ? false
        : {
            level: options.logLevel ?? "info",
            // Requests are logged with method, url and addresses only; the redaction is a
            // second line of defence should anyone log headers.
            redact: {
              paths: [
                "req.headers.authorization",
                "req.headers.cookie",
                "req.headers[\"proxy-authorization\"]",
                "headers.authorization",
              ],
              censor: "[redacted]",
            },
          },
    // A URL the router cannot even parse has no public endpoint behind it: deny.
    frameworkErrors: denyUnparseable,
  });

  app.addHook("onRequest", (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS).header("x-request-id", request.id);
    done();
  });
  installLoadShedding(app, limits);
  installAuthentication(app, options.authenticator);

  // No CORS headers are ever sent: browsers on other origins cannot call the API, and
  // preflight requests are refused by the authentication hook (401).
  // A path served with other methods answers 405 with Allow (RFC 9110), as axum and
  // FastAPI do; any other path is 404. Only authenticated requests get this far.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = ROUTE_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      return reply.code(405).header("allow", allowed.join(", ")).send({ error: "method not allowed" });
    }
    return reply.code(404).send({ error: "not found" });
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: error }, "request failed");
      return reply.code(500).send({ error: "internal error" });
    }
    return reply.code(status).send({ error: "bad request" });
  });

  app.get("/healthz", (_request, reply) => reply.send({ status: "ok" }));
  app.get("/readyz", (_request, reply) =>
    options.authenticator.ready()
      ? reply.send({ status: "ready" })
      : reply.code(503).send({ status: "not ready", reason: "signing keys not loaded or stale" }),
  );
  await app.register(api, { prefix: "/v1" });

  await app.ready();
  return app;
}

function denyUnparseable(_error: FastifyError, _request: unknown, reply: FastifyReply): void {
  void reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
}
