import type { SipRequest, SipResponse, Uri } from '../message/index.js';
import type { RequestKeyView, ResponseKeyView } from '../transaction/index.js';
import type { Endpoint } from './ua-transport.js';

/** A received response together with the fields the transaction layer matches on. */
export interface ResponseEvent extends ResponseKeyView {
  readonly message: SipResponse;
}

export function requestKeyView(request: SipRequest): RequestKeyView {
  const top = request.topVia;
  return {
    method: request.method,
    requestUri: request.uri.toString(),
    branch: top?.branch,
    sentBy: top ? `${top.hostname}:${top.port ?? 5060}` : '',
    topVia: top?.toString() ?? '',
    callId: request.callId ?? '',
    cseq: request.cseq?.seq ?? 0,
    fromTag: request.from?.tag,
    toTag: request.to?.tag,
  };
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
