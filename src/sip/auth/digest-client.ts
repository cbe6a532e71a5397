import { randomBytes } from 'node:crypto';
import { formatAuthHeader, parseAuthHeader, type AuthParam } from './auth-header.js';
import { computeDigestResponse, computeHa1, parseAlgorithm, type DigestAlgorithm } from './digest-hash.js';

export interface DigestClientOptions {
  readonly username: string;
  readonly password: string;
  /** Fixed cnonce, for tests; by default a fresh random one per answer. */
  readonly cnonce?: () => string;
}

export interface AnswerInput {
  /** The WWW-Authenticate or Proxy-Authenticate value(s) of the 401/407. */
  readonly challenges: readonly string[];
  readonly method: string;
  /** The Request-URI of the retried request (RFC 3261 §22.4: digest-uri = Request-URI). */
  readonly uri: string;
  readonly body?: string | Uint8Array;
}

export type DigestAnswer =
  | { ok: true; value: string; realm: string; algorithm: DigestAlgorithm }
  | { ok: false; reason: string };

/**
 * Client side of Digest (RFC 3261 §22.2–§22.4, RFC 2617 §3.2.2, RFC 8760): picks the strongest challenge it supports,
 * and builds the Authorization / Proxy-Authorization value with cnonce and nc. The nonce-count increases per nonce.
 */
export class DigestClient {
  private readonly nonceCounts = new Map<string, number>();

  constructor(private readonly options: DigestClientOptions) {}

  answer(input: AnswerInput): DigestAnswer {
    // RFC 8760 §2.4: use the topmost header field whose algorithm we support, SHA-256 preferred.
    const parsed = input.challenges
      .map((c) => parseAuthHeader(c))
      .flatMap((p) => (p.ok && p.value.scheme.toLowerCase() === 'digest' ? [p.value.params] : []))
      .map((params) => ({ params, algorithm: parseAlgorithm(params.get('algorithm')) }))
      .filter((c): c is { params: ReadonlyMap<string, string>; algorithm: DigestAlgorithm } => c.algorithm !== undefined)
      .filter((c) => c.params.has('realm') && c.params.has('nonce'));
    if (parsed.length === 0) return { ok: false, reason: 'no supported Digest challenge' };
    const chosen = parsed.find((c) => c.algorithm.startsWith('SHA-256')) ?? parsed[0]!;
    const { params, algorithm } = chosen;
    const realm = params.get('realm')!;
    const nonce = params.get('nonce')!;
    const qops = (params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase()).filter(Boolean);
    // RFC 2617 §3.2.2: prefer auth; auth-int only when that is all that is offered; neither → RFC 2069 form.
    const qop: 'auth' | 'auth-int' | undefined = qops.includes('auth') ? 'auth' : qops.includes('auth-int') ? 'auth-int' : undefined;
    if (qops.length > 0 && qop === undefined) return { ok: false, reason: `unsupported qop ${params.get('qop')}` };
    const ha1 = computeHa1(algorithm, this.options.username, realm, this.options.password);
    const out: AuthParam[] = [
      { name: 'username', value: this.options.username, quoted: true },
      { name: 'realm', value: realm, quoted: true },
      { name: 'nonce', value: nonce, quoted: true },
      { name: 'uri', value: input.uri, quoted: true },
    ];
    let response: string;
    if (qop !== undefined || algorithm.endsWith('-sess')) {
      const count = (this.nonceCounts.get(nonce) ?? 0) + 1;
      this.nonceCounts.set(nonce, count);
      const nc = count.toString(16).padStart(8, '0');
      const cnonce = this.options.cnonce?.() ?? randomBytes(12).toString('hex');
      response = computeDigestResponse({ algorithm, ha1, nonce, method: input.method, uri: input.uri, qop, nc, cnonce, body: input.body });
      out.push({ name: 'response', value: response, quoted: true });
      out.push({ name: 'algorithm', value: algorithm, quoted: false });
      if (qop !== undefined) {
        out.push({ name: 'qop', value: qop, quoted: false });
        out.push({ name: 'nc', value: nc, quoted: false });
      }
      out.push({ name: 'cnonce', value: cnonce, quoted: true });
    } else {
      response = computeDigestResponse({ algorithm, ha1, nonce, method: input.method, uri: input.uri });
      out.push({ name: 'response', value: response, quoted: true });
      out.push({ name: 'algorithm', value: algorithm, quoted: false });
    }
    // RFC 2617 §3.2.2: the opaque value is returned unchanged.
    if (params.has('opaque')) out.push({ name: 'opaque', value: params.get('opaque')!, quoted: true });
    return { ok: true, value: formatAuthHeader('Digest', out), realm, algorithm };
  }
}
