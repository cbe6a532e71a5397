import { CSeq, Headers, SipRequest, type SipResponse } from '../message/index.js';

/**
 * The ACK an INVITE client transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3): the Request-URI,
 * Call-ID, From, CSeq number and the top Via only (same branch) of the INVITE, its Route header fields, and the To of
 * the response (with the UAS's tag). It belongs to the INVITE transaction, so it is built here.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new Headers();
  const top = invite.topVia;
  const cseq = invite.cseq;
  const from = invite.headers.get('from');
  const callId = invite.callId;
  if (!top || !cseq || from === undefined || callId === undefined) throw new TypeError('INVITE lacks Via, CSeq, From or Call-ID');
  headers.append('Via', top.toString());
  headers.append('Max-Forwards', '70');
  for (const r of invite.headers.getAll('route')) headers.append('Route', r);
  headers.append('From', from);
  headers.append('To', response.headers.get('to') ?? invite.headers.get('to') ?? '');
  headers.append('Call-ID', callId);
  headers.append('CSeq', new CSeq(cseq.seq, 'ACK').toString());
  headers.append('Content-Length', '0');
  return new SipRequest({ method: 'ACK', uri: invite.uri, headers });
}
