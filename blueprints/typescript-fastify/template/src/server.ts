// Start-up and shutdown. Managed by the blueprint: `paved drift` reports changes to this
// file.

import { buildApp } from "./app.js";
import { authenticatorFromEnv } from "./auth/index.js";
import type { Authenticator } from "./auth/index.js";
import { ConfigError, serverConfig } from "./config.js";
import type { Env, ServerConfig } from "./config.js";

/**
 * Reads the configuration (exit code 1 and a message naming the variable when it is
 * missing or malformed), starts fetching signing keys, listens, and closes gracefully on
 * SIGTERM or SIGINT.
 */
export async function run(name: string, env: Env): Promise<void> {
  let config: ServerConfig;
  let authenticator: Authenticator;
  try {
    config = serverConfig(env);
    authenticator = authenticatorFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }

  const app = await buildApp({ authenticator, logLevel: config.logLevel });
  // Keys load in the background; /readyz answers 503 until they are in.
  const keys = authenticator.start().then(() => {
    app.log.info({ event: "keys", ready: authenticator.ready() }, "authentication keys loaded");
  });

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      return;
    }
    closing = true;
    app.log.info({ signal }, "shutting down");
    authenticator.stop();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);

  await app.listen({ host: config.host, port: config.port });
  await keys;
}
