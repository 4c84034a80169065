// Authentication, deny by default. Managed by the blueprint: `paved drift` reports
// changes to this file.
//
// `installAuthentication` adds one `onRequest` hook to the root of the application, so
// it runs for every route — those registered later and in child plugins included — and
// for the not-found handler: an unknown path or method is 401 before it is 404. Only the
// exact method and path pairs in PUBLIC_ENDPOINTS pass without a credential. Every
// decision is logged as an audit event with the request id and the principal (never the
// credential).

import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";

import { bearerCredential } from "./bearer.js";
import { AuthError } from "./types.js";
import type { Authenticator, Identity } from "./types.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller; `null` only on public endpoints. */
    identity: Identity | null;
  }
}

/** The only requests served without credentials: method and exact path. */
export const PUBLIC_ENDPOINTS: readonly (readonly [string, string])[] = [
  ["GET", "/healthz"],
  ["GET", "/readyz"],
];

export function isPublic(method: string, url: string): boolean {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  return PUBLIC_ENDPOINTS.some(([publicMethod, publicPath]) => publicMethod === method && publicPath === path);
}

export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest("identity", null);
  app.addHook("onRequest", async (request, reply) => {
    if (isPublic(request.method, request.url)) {
      return;
    }
    let identity: Identity;
    try {
      identity = await authenticator.authenticate(bearerCredential(authorizationHeader(request)));
    } catch (error) {
      const failure = error instanceof AuthError ? error : new AuthError("rejected", "authenticator failed");
      request.log.info(
        { event: "authn", outcome: "deny", kind: failure.kind, reason: failure.message },
        "request refused",
      );
      return unauthorized(reply, failure);
    }
    request.identity = identity;
    request.log.info({ event: "authn", outcome: "allow", sub: identity.sub }, "request authenticated");
  });
}

/**
 * The Authorization header, or every value when the client sent several (Node keeps only
 * the first, which would let a second header go unnoticed).
 */
function authorizationHeader(request: FastifyRequest): string | string[] | undefined {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === "authorization") {
      values.push(raw[i + 1] ?? "");
    }
  }
  if (values.length === 0) {
    return undefined;
  }
  return values.length === 1 ? values[0] : values;
}

export function unauthorized(reply: FastifyReply, error: AuthError): FastifyReply {
  const challenge =
    error.kind === "malformed"
      ? 'Bearer error="invalid_request"'
      : error.kind === "rejected"
        ? 'Bearer error="invalid_token"'
        : "Bearer";
  return reply.code(401).header("www-authenticate", challenge).send({ error: "unauthorized" });
}

/** The verified caller of a protected route. */
export function identityOf(request: FastifyRequest): Identity {
  if (request.identity === null) {
    // Unreachable behind the hook; failing loudly beats serving without an identity.
    throw new Error("route reached without an authenticated identity");
  }
  return request.identity;
}

/**
 * A route-level guard: the caller must hold `scope`. Authenticated callers without it
 * get 403 (they are known, just not allowed); the hook has already sent 401 to others.
 */
export function requireScope(scope: string): preHandlerHookHandler {
  return (request, reply, done) => {
    const identity = request.identity;
    if (identity === null) {
      unauthorized(reply, new AuthError("missing", "no identity"));
      return;
    }
    if (!identity.scopes.includes(scope)) {
      request.log.info({ event: "authz", outcome: "deny", sub: identity.sub, scope }, "scope missing");
      void reply
        .code(403)
        .header("www-authenticate", `Bearer error="insufficient_scope", scope="${scope}"`)
        .send({ error: "forbidden" });
      return;
    }
    done();
  };
}
