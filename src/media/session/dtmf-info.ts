/**
 * DTMF carried in SIP INFO requests (RFC 6086 INFO, with the two bodies phones actually send):
 *
 * - `application/dtmf-relay` (the Cisco/SIPp convention): `Signal=5\r\nDuration=160`;
 * - `application/dtmf`: the digit alone.
 *
 * Returns the key (`0-9 * # A-D`), or null when the body is not a DTMF key.
 */
const KEY = /^[0-9*#A-D]$/;

export function parseDtmfInfo(contentType: string | undefined, body: string): string | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let key: string | undefined;
  if (type === 'application/dtmf-relay') {
    const m = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body);
    key = m?.[1];
  } else if (type === 'application/dtmf') {
    key = body.trim();
  } else {
    return null;
  }
  if (key === undefined) return null;
  // RFC 4733 event codes 10 and 11 stand for * and # in some relay bodies.
  if (key === '10') key = '*';
  else if (key === '11') key = '#';
  key = key.toUpperCase();
  return KEY.test(key) ? key : null;
}
