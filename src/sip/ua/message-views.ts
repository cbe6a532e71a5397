import type { SipRequest, SipResponse, Uri } from '../message/index.js';
import type { RequestKeyView, ResponseKeyView } from '../transaction/index.js';
import type { Endpoint } from './ua-transport.js';

/** A received response together with the fields the transaction layer matches on. */
export interface ResponseEvent extends ResponseKeyView {
  readonly message: SipResponse;
}

/**
 * The matching fields of a request, read from the parsed message on demand: with an RFC 3261 branch only method,
 * branch and sent-by are needed (§17.2.3), so the Request-URI and top Via are not re-serialized for every request.
 */
class RequestKey implements RequestKeyView {
  constructor(private readonly request: SipRequest) {}

  get method(): string {
    return this.request.method;
  }

  get requestUri(): string {
    return this.request.uri.toString();
  }

  get branch(): string | undefined {
    return this.request.topVia?.branch;
  }

  get sentBy(): string {
    const top = this.request.topVia;
    return top ? `${top.hostname}:${top.port ?? 5060}` : '';
  }

  get topVia(): string {
    return this.request.topVia?.toString() ?? '';
  }

  get callId(): string {
    return this.request.callId ?? '';
  }

  get cseq(): number {
    return this.request.cseq?.seq ?? 0;
  }

  get fromTag(): string | undefined {
    return this.request.from?.tag;
  }

  get toTag(): string | undefined {
    return this.request.to?.tag;
  }
}

export function requestKeyView(request: SipRequest): RequestKeyView {
  return new RequestKey(request);
}

export function responseEvent(response: SipResponse): ResponseEvent {
  return {
    status: response.status,
    branch: response.topVia?.branch,
    cseqMethod: response.cseq?.method ?? '',
    message: response,
  };
}

/**
 * Where to send a request (RFC 3261 §8.1.2, without the RFC 3263 DNS procedures): the first Route if any, else the
 * Request-URI; maddr over host; default port 5060.
 */
export function nextHop(request: SipRequest): Endpoint | undefined {
  const route = request.routes[0];
  const uri: Uri = route ? route.uri : request.uri;
  if (uri.kind !== 'sip') return undefined;
  const maddr = uri.param('maddr');
  return { host: typeof maddr === 'string' ? maddr : uri.hostname, port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060) };
}
