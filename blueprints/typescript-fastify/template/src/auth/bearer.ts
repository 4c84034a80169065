// Extracting the credential from the Authorization header. Managed by the blueprint.

import { AuthError } from "./types.js";

/** Longest credential accepted, in bytes. */
export const MAX_CREDENTIAL_LENGTH = 8 * 1024;

/**
 * The credential of `Authorization: Bearer <credential>`. Exactly one header, the Bearer
 * scheme (any case), one credential without whitespace, at most 8 KiB.
 */
export function bearerCredential(header: string | string[] | undefined): string {
  if (header === undefined) {
    throw new AuthError("missing", "no Authorization header");
  }
  if (Array.isArray(header)) {
    throw new AuthError("malformed", "more than one Authorization header");
  }
  const value = header.trim();
  const space = value.indexOf(" ");
  if (space < 0) {
    throw value.toLowerCase() === "bearer"
      ? new AuthError("malformed", "Bearer without a credential")
      : new AuthError("wrong-scheme", "Authorization scheme is not Bearer");
  }
  if (value.slice(0, space).toLowerCase() !== "bearer") {
    throw new AuthError("wrong-scheme", "Authorization scheme is not Bearer");
  }
  const credential = value.slice(space + 1).trim();
  if (credential === "" || /\s/.test(credential)) {
    throw new AuthError("malformed", "malformed Bearer credential");
  }
  if (Buffer.byteLength(credential) > MAX_CREDENTIAL_LENGTH) {
    throw new AuthError("malformed", "credential longer than 8 KiB");
  }
  return credential;
}
