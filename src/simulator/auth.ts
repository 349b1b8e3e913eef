import type { Reply } from "./http-io.js";

/**
 * DRF TokenAuthentication's behaviour: a header with another scheme counts as no credentials, the scheme word
 * is case-insensitive, and 401 answers name the scheme in WWW-Authenticate.
 */
export function checkAuthorization(
  header: string | undefined,
  scheme: string,
  token: string,
): Reply | undefined {
  if (header === `${scheme} ${token}`) return undefined;
  const challenge = { "www-authenticate": scheme };
  const parts = header?.trim().split(/\s+/) ?? [];
  if (parts.length === 0 || parts[0]?.toLowerCase() !== scheme.toLowerCase()) {
    return {
      status: 401,
      json: { detail: "Authentication credentials were not provided." },
      headers: challenge,
    };
  }
  if (parts.length === 1) {
    return {
      status: 401,
      json: { detail: "Invalid token header. No credentials provided." },
      headers: challenge,
    };
  }
  if (parts.length > 2) {
    return {
      status: 401,
      json: { detail: "Invalid token header. Token string should not contain spaces." },
      headers: challenge,
    };
  }
  return parts[1] === token
    ? undefined
    : { status: 401, json: { detail: "Invalid token." }, headers: challenge };
}
