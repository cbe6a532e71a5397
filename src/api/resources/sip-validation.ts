import { isIP } from 'node:net';
import { ErrorCode, TwilioError, invalidParameter } from '../../core/index.js';
import type { Params } from '../params.js';

/**
 * Error codes of the SIP resources, as Twilio's error dictionary names them: 21231 "Domain Validation Error" (a bad
 * mapping, e.g. a list already associated with the domain), 21232 "Invalid Domain" (a domain name that is invalid or
 * already in use), 21240 "Credential List Validation Error", 21243 "Credential Validation Error" (username or
 * password rules, duplicate username). IP access control lists and addresses have no code of their own there, so
 * they use the generic 20001.
 */
export const SipErrorCode = {
  DomainValidation: 21231,
  InvalidDomain: 21232,
  CredentialListValidation: 21240,
  CredentialValidation: 21243,
} as const;

/** A FriendlyName of at most `max` characters (Twilio: 64 for domains and credential lists, 255 for IP ACLs). */
export function friendlyName(params: Params, required: boolean, code: number = ErrorCode.InvalidParameter, max = 64): string | undefined {
  const name = required ? params.required('FriendlyName', code) : params.string('FriendlyName');
  if (name !== undefined && name.length > max) throw invalidParameter(code, `FriendlyName must be at most ${max} characters`);
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
    throw invalidParameter(SipErrorCode.InvalidDomain, `DomainName is not a valid host name: ${value}`);
  }
  return name;
}

/** Username of a SIP credential: 1–32 characters that can be carried in a digest `username` quoted-string. */
export function credentialUsername(params: Params): string {
  const username = params.required('Username', SipErrorCode.CredentialValidation);
  if (username.length > 32 || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(username)) {
    throw invalidParameter(SipErrorCode.CredentialValidation, 'Username must be 1 to 32 printable characters without quotes or backslashes');
  }
  return username;
}

/** Twilio's rule for SIP credential passwords: at least 12 characters, a digit, a lower-case and an upper-case letter. */
export function credentialPassword(password: string): string {
  if (password.length < 12 || password.length > 128 || !/[0-9]/.test(password) || !/[a-z]/.test(password) || !/[A-Z]/.test(password)) {
    throw new TwilioError(
      SipErrorCode.CredentialValidation,
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
