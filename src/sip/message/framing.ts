import { isDigits } from './grammar.js';
import { headerKey } from './header-names.js';

/** Outcome of looking for the next message at the start of a stream buffer. */
export type FrameResult =
  | { readonly kind: 'incomplete' }
  /** A complete message occupies the first `length` octets. */
  | { readonly kind: 'message'; readonly length: number }
  /** RFC 5626 §3.5.1 keep-alive: a CRLFCRLF ping (answer with a CRLF pong) or a lone CRLF pong. */
  | { readonly kind: 'keepalive'; readonly length: number; readonly ping: boolean }
  /** The stream cannot be framed any more (oversize, bad Content-Length): close the connection. */
  | { readonly kind: 'error'; readonly reason: string };

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Frames SIP messages on a stream transport (RFC 3261 §18.3): the header section ends at the first empty line and
 * the body is exactly Content-Length octets. Works on partial and coalesced segments: call it on the accumulated
 * buffer and consume `length` octets after each message or keep-alive. A missing Content-Length is taken as 0.
 */
export function frameStream(buf: Buffer, maxSize: number): FrameResult {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (buf[0] === 13 || buf[0] === 10) {
    // RFC 5626 §3.5.1 / RFC 3261 §7.5: CRLFs between messages are keep-alives.
    if (buf.length >= 4 && buf[0] === 13 && buf[1] === 10 && buf[2] === 13 && buf[3] === 10) {
      return { kind: 'keepalive', length: 4, ping: true };
    }
    if (buf[0] === 13 && buf.length < 4) return { kind: 'incomplete' };
    if (buf[0] === 13 && buf[1] === 10) return { kind: 'keepalive', length: 2, ping: false };
    return { kind: 'keepalive', length: 1, ping: false };
  }
  const end = buf.indexOf(CRLF2);
  if (end < 0) {
    return buf.length > maxSize ? { kind: 'error', reason: 'header section too large' } : { kind: 'incomplete' };
  }
  let contentLength: number | undefined;
  let pos = buf.indexOf(10) + 1;
  while (pos > 0 && pos < end + 2) {
    const nl = buf.indexOf(10, pos);
    const lineEnd = nl < 0 || nl > end + 2 ? end + 2 : nl;
    const c = buf[pos];
    if (c !== 32 && c !== 9) {
      const colon = buf.indexOf(58, pos);
      if (colon > 0 && colon < lineEnd) {
        const name = buf.toString('latin1', pos, colon).trim();
        if (name.length <= 14 && headerKey(name) === 'content-length') {
          const v = buf.toString('latin1', colon + 1, lineEnd).trim();
          if (!isDigits(v) || v.length > 9) return { kind: 'error', reason: 'invalid Content-Length' };
          const n = Number(v);
          if (contentLength !== undefined && contentLength !== n) {
            return { kind: 'error', reason: 'conflicting Content-Length values' };
          }
          contentLength = n;
        }
      }
    }
    pos = lineEnd + 1;
  }
  const total = end + 4 + (contentLength ?? 0);
  if (total > maxSize) return { kind: 'error', reason: 'message too large' };
  if (buf.length < total) return { kind: 'incomplete' };
  return { kind: 'message', length: total };
}
