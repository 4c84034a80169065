// The identity provider's signing keys (JWKS), fetched at start-up and refreshed in the
// background. Managed by the blueprint: `paved drift` reports changes to this file.
//
// Why it is shaped like this:
// - The fetch never runs inside a request's lifetime: a client that disconnects cannot
//   cancel it, and a new pod loads its keys before it reports ready.
// - Refreshes are single-flight and rate-limited (at most one per `minRefreshIntervalMs`),
//   so a flood of tokens with made-up `kid`s cannot turn the service into a JWKS hammer.
// - Keys that could not be refreshed for `maxKeyAgeMs` are dropped: the service stops
//   accepting tokens and `/readyz` fails, instead of trusting revoked keys forever.

import { createLocalJWKSet } from "jose";
import type { FlattenedJWSInput, JSONWebKeySet, JWK, JWSHeaderParameters, CryptoKey } from "jose";

import { rejected } from "./types.js";

export interface JwksOptions {
  /** Where the keys are: https, or http to a loopback address (tests only). */
  readonly url: URL;
  /** Timeout of one fetch (connect, headers and body). */
  readonly timeoutMs: number;
  /** Largest JWKS document accepted, in bytes. */
  readonly maxBytes: number;
  /** Most keys kept from one document. */
  readonly maxKeys: number;
  /** Shortest time between two fetches, whatever triggers them. */
  readonly minRefreshIntervalMs: number;
  /** Background refresh period while keys are fresh. */
  readonly refreshIntervalMs: number;
  /** Keys older than this (failed refreshes) are dropped and readiness fails. */
  readonly maxKeyAgeMs: number;
}

export const JWKS_DEFAULTS = {
  timeoutMs: 5_000,
  maxBytes: 64 * 1024,
  maxKeys: 32,
  minRefreshIntervalMs: 30_000,
  refreshIntervalMs: 5 * 60_000,
  maxKeyAgeMs: 60 * 60_000,
} as const;

/** Key types that can verify an asymmetric signature; `oct` (HMAC) never can. */
const ASYMMETRIC_KEY_TYPES = new Set(["RSA", "EC", "OKP"]);

type Resolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

interface KeySet {
  readonly kids: ReadonlySet<string>;
  readonly resolve: Resolver;
  readonly loadedAt: number;
}

export class JwksCache {
  readonly #options: JwksOptions;
  readonly #now: () => number;
  #keys: KeySet | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Number of fetches started (for tests and metrics). */
  fetches = 0;
  /** Why the last fetch failed, for the logs; `undefined` after a success. */
  lastError: string | undefined;

  constructor(options: JwksOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  /** First fetch, then the background refresh loop. Never throws. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#fetchShared();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Keys are loaded and younger than `maxKeyAgeMs`. */
  ready(): boolean {
    return this.#fresh() !== undefined;
  }

  /**
   * The key for a token header, by `kid`. An unknown `kid` (a rotation at the issuer)
   * waits for one rate-limited refresh; the fetch itself is shared and not cancellable.
   */
  async key(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const kid = header.kid;
    if (typeof kid !== "string" || kid === "") {
      throw rejected("token header has no kid");
    }
    let keys = this.#fresh();
    if (keys === undefined || !keys.kids.has(kid)) {
      await this.refresh();
      keys = this.#fresh();
    }
    if (keys === undefined) {
      throw rejected("no fresh signing keys (JWKS unreachable)");
    }
    if (!keys.kids.has(kid)) {
      throw rejected("unknown kid");
    }
    try {
      return await keys.resolve(header, token);
    } catch {
      throw rejected("no key for this kid and algorithm");
    }
  }

  /**
   * Fetches the JWKS unless a fetch ran less than `minRefreshIntervalMs` ago (then it
   * joins the running fetch, if any). Resolves to whether fresh keys are loaded.
   */
  refresh(): Promise<boolean> {
    if (this.#inflight === undefined && this.#now() - this.#lastAttempt < this.#options.minRefreshIntervalMs) {
      return Promise.resolve(this.ready());
    }
    return this.#fetchShared();
  }

  /** The running fetch, or a new one: at most one at a time (single-flight). */
  #fetchShared(): Promise<boolean> {
    if (this.#inflight !== undefined) {
      return this.#inflight;
    }
    this.#lastAttempt = this.#now();
    this.fetches += 1;
    this.#inflight = this.#fetch()
      .then((keys) => {
        this.#keys = keys;
        this.lastError = undefined;
        return true;
      })
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
        return this.ready();
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  #fresh(): KeySet | undefined {
    const keys = this.#keys;
    if (keys === undefined || this.#now() - keys.loadedAt > this.#options.maxKeyAgeMs) {
      return undefined;
    }
    return keys;
  }

  #schedule(): void {
    if (this.#stopped) {
      return;
    }
    // Fresh keys: refresh on the regular period. No keys: retry as often as allowed.
    // The timer is its own rate limit, so it fetches without consulting the floor.
    const delay = this.ready() ? this.#options.refreshIntervalMs : this.#options.minRefreshIntervalMs;
    this.#timer = setTimeout(() => {
      void this.#fetchShared().finally(() => {
        this.#schedule();
      });
    }, delay);
    // The refresh loop alone must not keep the process alive.
    this.#timer.unref();
  }

  async #fetch(): Promise<KeySet> {
    const { url, timeoutMs, maxBytes } = this.#options;
    const response = await fetch(url, {
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`JWKS fetch answered HTTP ${String(response.status)}`);
    }
    const body = await readCapped(response, maxBytes);
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      throw new Error("JWKS is not JSON");
    }
    return this.#keySet(document);
  }

  #keySet(document: unknown): KeySet {
    if (!isRecord(document) || !Array.isArray(document.keys)) {
      throw new Error("JWKS has no keys array");
    }
    const usable: JWK[] = [];
    for (const candidate of document.keys as unknown[]) {
      if (usable.length >= this.#options.maxKeys) {
        break;
      }
      if (isUsableSigningKey(candidate)) {
        usable.push(candidate);
      }
    }
    if (usable.length === 0) {
      throw new Error("JWKS has no usable signing key");
    }
    const jwks: JSONWebKeySet = { keys: usable };
    const kids = new Set(usable.map((jwk) => jwk.kid ?? ""));
    return { kids, resolve: createLocalJWKSet(jwks), loadedAt: this.#now() };
  }
}

/**
 * A public, asymmetric signing key with a `kid`. HMAC (`oct`) keys, encryption keys and
 * anything carrying private material are ignored; jose then checks that the token's `alg`
 * fits the key's type and curve, and that RSA keys have at least 2048 bits.
 */
function isUsableSigningKey(candidate: unknown): candidate is JWK {
  if (!isRecord(candidate)) {
    return false;
  }
  const { kty, kid, use } = candidate;
  return (
    typeof kty === "string" &&
    ASYMMETRIC_KEY_TYPES.has(kty) &&
    typeof kid === "string" &&
    kid !== "" &&
    (use === undefined || use === "sig") &&
    !("d" in candidate)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The response body as text, refusing anything larger than `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error("JWKS larger than the size limit");
  }
  if (response.body === null) {
    return "";
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error("JWKS larger than the size limit");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
