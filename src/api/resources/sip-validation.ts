import { isIP } from 'node:net';
import { ErrorCode, TwilioError, invalidParameter } from '../../core/index.js';
import type { Params } from '../params.js';

/**
 * Error codes of the SIP resources. Twilio documents 21639 for a credential password that does not meet its rules;
 * every other validation failure is the generic 20001 (invalid parameter), as elsewhere in this API.
 */
export const SipErrorCode = {
  WeakPassword: 21639,
} as const;

/** A FriendlyName of at most 64 characters (Twilio's limit for SIP resources). */
export function friendlyName(params: Params, required: boolean): string | undefined {
  const name = required ? params.required('FriendlyName') : params.string('FriendlyName');
  if (name !== undefined && name.length > 64) throw invalidParameter(ErrorCode.InvalidParameter, 'FriendlyName must be at most 64 characters');
  return name;
}

/**
 * A host name for a SIP domain (RFC 1123 §2.1 labels, as RFC 3261 §25.1 `hostname`): letters, digits and "-",
 * dot-separated, at most 253 characters. Unlike Twilio (`*.sip.twilio.com` only), any name is allowed here, e.g.
 * `acme.sip.localhost`. Stored lower-case.
 */
export function domainName(value: string): string {
  const name = value.toLowerCase();
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  if (name.length > 253 || !name.split('.').every((l) => label.test(l)) || /^[0-9.]+$/.test(name)) {
    throw invalidParameter(ErrorCode.InvalidParameter, `DomainName is not a valid host name: ${value}`);
  }
  return name;
}

/** Username of a SIP credential: 1–32 characters that can be carried in a digest `username` quoted-string. */
export function credentialUsername(params: Params): string {
  const username = params.required('Username');
  if (username.length > 32 || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(username)) {
    throw invalidParameter(ErrorCode.InvalidParameter, 'Username must be 1 to 32 printable characters without quotes or backslashes');
  }
  return username;
}

/** Twilio's rule for SIP credential passwords: at least 12 characters, a digit, a lower-case and an upper-case letter. */
export function credentialPassword(password: string): string {
  if (password.length < 12 || password.length > 128 || !/[0-9]/.test(password) || !/[a-z]/.test(password) || !/[A-Z]/.test(password)) {
    throw new TwilioError(
      SipErrorCode.WeakPassword,
      400,
      'Password must be at least 12 characters long and contain at least one digit, one lower-case and one upper-case letter',
    );
  }
  return password;
}

/** An IPv4 or IPv6 address and its prefix length; IPv6 is stored lower-case. */
export function ipAddress(value: string, prefix: string | undefined): { ipAddress: string; cidrPrefixLength: number } {
  const family = isIP(value);
  if (family === 0) throw invalidParameter(ErrorCode.InvalidParameter, `IpAddress is not a valid IPv4 or IPv6 address: ${value}`);
  const max = family === 4 ? 32 : 128;
  const given = prefix !== undefined && prefix !== '';
  const length = given ? Number(prefix) : max;
  if ((given && !/^\d{1,3}$/.test(prefix)) || length > max) {
    throw invalidParameter(ErrorCode.InvalidParameter, `CidrPrefixLength must be an integer from 0 to ${max}`);
  }
  return { ipAddress: value.toLowerCase(), cidrPrefixLength: length };
}
