// API keys checked against SHA-256 digests. Managed by the blueprint: `paved drift`
// reports changes to this file.
//
// The service holds only digests (API_KEY_SHA256), never a key. The presented key is
// hashed and compared with every configured digest using crypto.timingSafeEqual, and
// the loop never stops early, so timing reveals neither which digest nor how much of it
// matched. Keys carry no scopes.

import { createHash, timingSafeEqual } from "node:crypto";

import { ConfigError, list, required } from "../config.js";
import type { Env } from "../config.js";
import { rejected } from "./types.js";
import type { Authenticator, Identity } from "./types.js";

export interface ApiKeyConfig {
  readonly digests: readonly Buffer[];
}

export function apiKeyConfig(env: Env): ApiKeyConfig {
  const entries = list(required(env, "API_KEY_SHA256"));
  if (entries.length === 0) {
    throw new ConfigError("API_KEY_SHA256", "names no digest");
  }
  const digests = entries.map((entry) => {
    if (!/^[0-9a-f]{64}$/.test(entry)) {
      throw new ConfigError("API_KEY_SHA256", "each entry must be a SHA-256 digest: 64 lowercase hex characters");
    }
    return Buffer.from(entry, "hex");
  });
  return { digests };
}

export class ApiKeyAuthenticator implements Authenticator {
  readonly #digests: readonly Buffer[];

  constructor(config: ApiKeyConfig) {
    this.#digests = config.digests;
  }

  authenticate(credential: string): Promise<Identity> {
    const presented = createHash("sha256").update(credential, "utf8").digest();
    let match: Buffer | undefined;
    for (const digest of this.#digests) {
      if (timingSafeEqual(presented, digest) && match === undefined) {
        match = digest;
      }
    }
    if (match === undefined) {
      return Promise.reject(rejected("unknown API key"));
    }
    return Promise.resolve({ sub: match.toString("hex").slice(0, 8), scopes: [] });
  }

  ready(): boolean {
    return true;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): void {
    // Nothing runs in the background.
  }
}
