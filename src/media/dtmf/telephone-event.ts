/**
 * RFC 4733 §2.3 named telephone-event payload:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Event codes for DTMF (RFC 4733 §3.2, Table 7): 0-9 the digits, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash.
 * Volume is the power level in -dBm0 (0-63); duration is in RTP timestamp units since the event's timestamp.
 */
import { fail, ok, type ParseResult } from '../rtp/parse-result.js';

export const TELEPHONE_EVENT_SIZE = 4;

const DIGITS = '0123456789*#ABCD';

/** The digit character for an event code, or `undefined` for codes that are not DTMF digits (flash included). */
export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DIGITS[event] : undefined;
}

/** The event code of a DTMF digit (case-insensitive A-D), or `undefined`. */
export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf(digit.toUpperCase());
  return digit.length === 1 && i >= 0 ? i : undefined;
}

export class TelephoneEvent {
  constructor(
    public event = 0,
    public end = false,
    public volume = 10,
    public duration = 0,
  ) {}

  static parse(buf: Uint8Array, offset = 0, length = buf.length - offset): ParseResult<TelephoneEvent> {
    const e = new TelephoneEvent();
    const reason = e.decode(buf, offset, length);
    return reason === null ? ok(e) : fail(reason);
  }

  /**
   * Fill in place. A payload may carry several 4-byte events (RFC 4733 §2.5.1.5 redundancy is via RFC 2198, not
   * here); only the first is read and a shorter payload is rejected.
   */
  decode(buf: Uint8Array, offset = 0, length = buf.length - offset): 'truncated' | null {
    if (length < TELEPHONE_EVENT_SIZE || buf.length < offset + TELEPHONE_EVENT_SIZE) return 'truncated';
    this.event = buf[offset];
    this.end = (buf[offset + 1] & 0x80) !== 0;
    // The R bit is reserved: ignored on receipt (§2.3.3).
    this.volume = buf[offset + 1] & 0x3f;
    this.duration = (buf[offset + 2] << 8) | buf[offset + 3];
    return null;
  }

  get size(): number {
    return TELEPHONE_EVENT_SIZE;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(TELEPHONE_EVENT_SIZE);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    if (out.length - offset < TELEPHONE_EVENT_SIZE) throw new RangeError('telephone-event needs 4 bytes');
    out[offset] = this.event & 0xff;
    out[offset + 1] = (this.end ? 0x80 : 0) | (this.volume & 0x3f);
    out[offset + 2] = (this.duration >> 8) & 0xff;
    out[offset + 3] = this.duration & 0xff;
    return TELEPHONE_EVENT_SIZE;
  }
}
