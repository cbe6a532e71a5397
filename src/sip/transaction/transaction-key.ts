/**
 * The fields of a request the transaction layer matches on (RFC 3261 §17.2.3), extracted by the layer above from a
 * parsed message. Kept as a plain view so this layer depends on no message representation.
 */
export interface RequestKeyView {
  readonly method: string;
  /** Request-URI as written. */
  readonly requestUri: string;
  /** branch parameter of the top Via, if any. */
  readonly branch: string | undefined;
  /** sent-by (host[:port]) of the top Via, lower-cased host. */
  readonly sentBy: string;
  /** The whole top Via value, for RFC 2543 matching. */
  readonly topVia: string;
  readonly callId: string;
  readonly cseq: number;
  readonly fromTag: string | undefined;
  readonly toTag: string | undefined;
}

/** What the client side matches a response on (§17.1.3): top Via branch and CSeq method. */
export interface ResponseKeyView {
  readonly status: number;
  readonly branch: string | undefined;
  readonly cseqMethod: string;
}

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/**
 * Whether a branch identifies an RFC 3261 transaction. A branch that is only the cookie (RFC 4475 §3.2.1
 * badbranch) carries no identifier, so it falls back to RFC 2543 matching like a branch without the cookie.
 */
export function hasMagicCookie(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length;
}

/**
 * A key built by concatenation is a tree of V8 cons strings whose leaves are slices of the received header lines; a
 * key kept in a table for 32 s would keep all of them. Reading a character of a cons string makes V8 flatten it in
 * place, so the table holds one flat copy. (The read goes to a module variable so it cannot be optimized away.)
 */
let flattenSink = 0;
function flat(key: string): string {
  flattenSink ^= key.charCodeAt(key.length >> 1);
  return key;
}

/** @internal For tests: keeps {@link flattenSink} observable. */
export function flattenProbe(): number {
  return flattenSink;
}

/** §17.1.3: a response matches the client transaction with its branch and its CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return flat(`c|${branch}|${method.toUpperCase()}`);
}

/**
 * §17.2.3 server matching. With the magic cookie: branch, sent-by and method, where ACK matches INVITE. Without it
 * (RFC 2543 peers): Request-URI, From tag, Call-ID, CSeq number, top Via, and the method (ACK → INVITE). The To tag
 * takes part only for non-ACK requests: an ACK carries the tag of our response, the INVITE did not (§17.2.3).
 */
export function serverTransactionKey(request: RequestKeyView, methodOverride?: string): string {
  let method = (methodOverride ?? request.method).toUpperCase();
  if (method === 'ACK') method = 'INVITE';
  if (hasMagicCookie(request.branch)) return flat(`s|${request.branch}|${request.sentBy.toLowerCase()}|${method}`);
  const toTag = request.method.toUpperCase() === 'ACK' ? '' : (request.toTag ?? '');
  return flat(`s2543|${request.requestUri}|${request.fromTag ?? ''}|${toTag}|${request.callId}|${request.cseq}|${request.topVia}|${method}`);
}

/** §8.2.2.2 merged-request detection key: From tag, Call-ID and CSeq (number and method). */
export function mergeKey(request: RequestKeyView): string {
  return flat(`${request.fromTag ?? ''}|${request.callId}|${request.cseq}|${request.method.toUpperCase()}`);
}
