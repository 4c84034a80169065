// The authentication contract shared by every scheme. Managed by the blueprint.

/** The verified caller, attached to the request as `request.identity`. */
export interface Identity {
  /** Subject: the token's `sub` claim, or the id of the API key. */
  readonly sub: string;
  /** Scopes granted to the caller (`scope`/`scp` claims); empty for API keys. */
  readonly scopes: readonly string[];
}

/** Verifies one credential taken from `Authorization: Bearer <credential>`. */
export interface Authenticator {
  /** Resolves to the caller, or rejects with `AuthError` (never with the credential in it). */
  authenticate(credential: string): Promise<Identity>;
  /** Whether the service can authenticate right now (signing keys loaded and fresh). */
  ready(): boolean;
  /** Starts background work (JWKS fetch and refresh); resolves after the first attempt. */
  start(): Promise<void>;
  /** Stops background work. */
  stop(): void;
}

export type AuthFailure = "missing" | "malformed" | "wrong-scheme" | "rejected";

/**
 * Why a request was refused. The message is logged, never sent to the caller, and never
 * contains the credential itself.
 */
export class AuthError extends Error {
  readonly kind: AuthFailure;

  constructor(kind: AuthFailure, reason: string) {
    super(reason);
    this.name = "AuthError";
    this.kind = kind;
  }
}

export function rejected(reason: string): AuthError {
  return new AuthError("rejected", reason);
}
