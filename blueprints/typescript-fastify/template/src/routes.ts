// Your endpoints. Everything registered here sits behind the authentication hook: a
// route is protected without doing anything, and `identityOf(request)` is the caller.
// Seeded by the blueprint: this file is yours.

import type { FastifyPluginCallback } from "fastify";

import { identityOf, requireScope } from "./auth/index.js";

/** Mounted under /v1. */
export const api: FastifyPluginCallback = (app, _options, done) => {
  app.get("/whoami", (request, reply) => reply.send({ sub: identityOf(request).sub }));

  // A route that needs more than a valid identity: callers without the `admin` scope get 403.
  app.get("/admin", { preHandler: requireScope("admin") }, (request, reply) => {
    const identity = identityOf(request);
    return reply.send({ sub: identity.sub, scopes: identity.scopes });
  });

  done();
};
