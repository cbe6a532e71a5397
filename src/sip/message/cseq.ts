import { type ParseResult, ok, fail, isToken, isWsp, parseBoundedInt } from './grammar.js';

/** RFC 3261 §8.1.1.5: the CSeq sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/** The CSeq header (RFC 3261 §20.16): `CSeq: 1*DIGIT LWS Method`. */
export class CSeq {
  constructor(
    readonly seq: number,
    readonly method: string,
  ) {}

  static parse(text: string): ParseResult<CSeq> {
    const s = text.trim();
    let i = 0;
    while (i < s.length && !isWsp(s.charCodeAt(i))) i++;
    const num = s.slice(0, i);
    while (i < s.length && isWsp(s.charCodeAt(i))) i++;
    const method = s.slice(i);
    if (method.length === 0 || !isToken(method)) return fail('malformed CSeq method');
    // RFC 4475 §3.1.2.4: an overlarge sequence number makes the request invalid.
    const seq = parseBoundedInt(num, MAX_CSEQ);
    if (seq === null) return fail('invalid CSeq number');
    return ok(new CSeq(seq, method));
  }

  toString(): string {
    return `${this.seq} ${this.method}`;
  }
}
