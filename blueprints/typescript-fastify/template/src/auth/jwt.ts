// OIDC / OAuth 2.0 bearer tokens (JWT) verified with `jose` against the issuer's JWKS.
// Managed by the blueprint: `paved drift` reports changes to this file.
//
// A token is accepted only when all of these hold:
// - its header names a `kid` found in the JWKS and an `alg` from ALLOWED_ALGORITHMS that
//   fits that key (jose checks key type, curve and RSA size). `none` and HS* are never
//   accepted, so an HMAC token "signed" with the public key goes nowhere;
// - the signature verifies; `iss` equals AUTH_ISSUER, `aud` contains AUTH_AUDIENCE;
// - `exp` is present and in the future, `nbf` (if any) in the past, with 60 s leeway;
// - `sub` is a non-empty string;
// - `typ` (if the token carries one) is a JWT access token type, or exactly
//   AUTH_TOKEN_TYPE when that is set (e.g. `at+jwt`, RFC 9068);
// - `azp` or `client_id` is in AUTH_ALLOWED_CLIENTS when that is set.
//
// An OIDC ID token is not an access token: it tells a client who logged in, and its `aud`
// is that client, not this API. The audience check refuses ID tokens unless the API and
// the client share an identifier; set AUTH_TOKEN_TYPE=at+jwt where the issuer marks its
// access tokens, and AUTH_ALLOWED_CLIENTS to the clients allowed to call the service.

import { errors, jwtVerify } from "jose";
import type { JWSAlgorithm, JWTPayload } from "jose";

import { ConfigError, list, optional, required } from "../config.js";
import type { Env } from "../config.js";
import { JWKS_DEFAULTS, JwksCache } from "./jwks.js";
import type { JwksOptions } from "./jwks.js";
import { AuthError, rejected } from "./types.js";
import type { Authenticator, Identity } from "./types.js";

/** Asymmetric signature algorithms only. */
export const ALLOWED_ALGORITHMS: readonly JWSAlgorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "EdDSA",
];

/** Clock skew tolerated on `exp` and `nbf`, in seconds. */
export const LEEWAY_SECONDS: number = 60;

/** `typ` values accepted when AUTH_TOKEN_TYPE is not set (compared without `application/`). */
const DEFAULT_TOKEN_TYPES = ["jwt", "at+jwt"];

export interface JwtConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: URL;
  /** Required `typ`, normalised (lower case, no `application/`); `undefined`: JWT or at+jwt. */
  readonly tokenType: string | undefined;
  /** Accepted `azp`/`client_id` values; `undefined`: any client. */
  readonly allowedClients: readonly string[] | undefined;
}

export function jwtConfig(env: Env): JwtConfig {
  const issuer = required(env, "AUTH_ISSUER");
  const audience = required(env, "AUTH_AUDIENCE");
  const jwksUrl = jwksUrlFrom(required(env, "AUTH_JWKS_URL"));
  const typeText = optional(env, "AUTH_TOKEN_TYPE");
  const tokenType = typeText === undefined ? undefined : normaliseType(typeText);
  if (tokenType !== undefined && !/^[a-z0-9.+-]+$/.test(tokenType)) {
    throw new ConfigError("AUTH_TOKEN_TYPE", "must be a media type such as at+jwt");
  }
  const clientsText = optional(env, "AUTH_ALLOWED_CLIENTS");
  const allowedClients = clientsText === undefined ? undefined : list(clientsText);
  if (allowedClients?.length === 0) {
    throw new ConfigError("AUTH_ALLOWED_CLIENTS", "is set but names no client");
  }
  return { issuer, audience, jwksUrl, tokenType, allowedClients };
}

/** https, or plain http to a loopback address (a JWKS served by tests). */
function jwksUrlFrom(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError("AUTH_JWKS_URL", "is not a URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError("AUTH_JWKS_URL", "must not contain credentials");
  }
  if (url.protocol === "https:") {
    return url;
  }
  if (url.protocol === "http:" && isLoopback(url.hostname)) {
    return url;
  }
  throw new ConfigError("AUTH_JWKS_URL", "must be an https:// URL (http:// only to a loopback address)");
}

function isLoopback(hostname: string): boolean {
  return hostname === "[::1]" || hostname === "localhost" || /^127(\.[0-9]{1,3}){3}$/.test(hostname);
}

function normaliseType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

export class JwtAuthenticator implements Authenticator {
  readonly #config: JwtConfig;
  readonly jwks: JwksCache;

  constructor(config: JwtConfig, jwks: Partial<Omit<JwksOptions, "url">> = {}) {
    this.#config = config;
    this.jwks = new JwksCache({ ...JWKS_DEFAULTS, ...jwks, url: config.jwksUrl });
  }

  start(): Promise<void> {
    return this.jwks.start();
  }

  stop(): void {
    this.jwks.stop();
  }

  ready(): boolean {
    return this.jwks.ready();
  }

  async authenticate(token: string): Promise<Identity> {
    let verified;
    try {
      verified = await jwtVerify(token, (header, input) => this.jwks.key(header, input), {
        issuer: this.#config.issuer,
        audience: this.#config.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: LEEWAY_SECONDS,
        requiredClaims: ["exp", "sub"],
      });
    } catch (error) {
      throw error instanceof AuthError ? error : rejected(describe(error));
    }
    const { payload, protectedHeader } = verified;
    // jose checks iat only against a maximum token age; a token issued in the
    // future (beyond the leeway) is refused here, as PyJWT and the Rust service do.
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + LEEWAY_SECONDS) {
      throw rejected("token issued in the future");
    }
    this.#checkType(protectedHeader.typ);
    this.#checkClient(payload);
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw rejected("sub is not a non-empty string");
    }
    return { sub: payload.sub, scopes: scopesOf(payload) };
  }

  #checkType(typ: string | undefined): void {
    const required = this.#config.tokenType;
    if (typ === undefined) {
      if (required !== undefined) {
        throw rejected("token has no typ");
      }
      return;
    }
    const accepted = required === undefined ? DEFAULT_TOKEN_TYPES : [required];
    if (!accepted.includes(normaliseType(typ))) {
      throw rejected("unexpected token typ");
    }
  }

  #checkClient(payload: JWTPayload): void {
    const allowed = this.#config.allowedClients;
    if (allowed === undefined) {
      return;
    }
    const client = payload.azp ?? payload.client_id;
    if (typeof client !== "string" || !allowed.includes(client)) {
      throw rejected("client (azp/client_id) not allowed");
    }
  }
}

/** Scopes from `scope` (RFC 9068: space-separated) or `scp` (a list or a string). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") {
    return raw.split(" ").filter((scope) => scope !== "");
  }
  if (Array.isArray(raw)) {
    return raw.filter((scope): scope is string => typeof scope === "string" && scope !== "");
  }
  return [];
}

/** A log-safe reason: jose's error code and claim, never the token. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `${error.code}: ${error.claim} ${error.reason}`;
  }
  if (error instanceof errors.JOSEError) {
    return error.code;
  }
  return "token verification failed";
}
