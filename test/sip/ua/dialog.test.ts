import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog } from '../../../src/sip/dialog/index.js';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { createNon2xxAck } from '../../../src/sip/transaction/index.js';

const local = { viaTransport: 'UDP', viaSentBy: '10.0.0.2:5070', contact: '<sip:b@10.0.0.2:5070>' };

function parse<T extends SipRequest | SipResponse>(text: string): T {
  const r = parseMessage(Buffer.from(text.split('\n').join('\r\n')));
  if (!r.ok) throw new Error(r.reason);
  return r.message as T;
}

const INVITE = `INVITE sip:b@10.0.0.2:5070 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc
Max-Forwards: 70
Record-Route: <sip:p1.example.com;lr>
Record-Route: <sip:p2.example.com;lr>
From: <sip:a@example.com>;tag=ftag
To: <sip:b@example.com>
Call-ID: dlg-1
CSeq: 10 INVITE
Contact: <sip:a@10.0.0.1:5060>
Content-Length: 0

`;

const OK = `SIP/2.0 200 OK
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc
Record-Route: <sip:p1.example.com;lr>
Record-Route: <sip:p2.example.com;lr>
From: <sip:a@example.com>;tag=ftag
To: <sip:b@example.com>;tag=ttag
Call-ID: dlg-1
CSeq: 10 INVITE
Contact: <sip:b@10.0.0.2:5070>
Content-Length: 0

`;

test('UAS dialog (§12.1.1): route set in Record-Route order, remote target from Contact, requests carry Route', () => {
  const d = Dialog.fromUasRequest(parse<SipRequest>(INVITE), 'ttag', 'confirmed', local)!;
  assert.deepEqual(d.id, { callId: 'dlg-1', localTag: 'ttag', remoteTag: 'ftag' });
  assert.deepEqual(d.routeSet.map((r) => r.uri.toString()), ['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
  assert.equal(d.remoteTarget.toString(), 'sip:a@10.0.0.1:5060');
  assert.equal(d.remoteSeq, 10);
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri.toString(), 'sip:a@10.0.0.1:5060');
  assert.deepEqual(bye.headers.getAll('route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  assert.equal(bye.to?.tag, 'ftag');
  assert.equal(bye.from?.tag, 'ttag');
  assert.equal(bye.cseq?.seq, d.localSeq);
  assert.equal(d.createRequest('INFO').cseq?.seq, bye.cseq!.seq + 1, 'CSeq increases by one per request (§12.2.1.1)');
});

test('UAC dialog (§12.1.2): route set reversed; CSeq out of order → 500; target refresh by re-INVITE', () => {
  const d = Dialog.fromUacResponse(parse<SipRequest>(INVITE), parse<SipResponse>(OK), local)!;
  assert.equal(d.state, 'confirmed');
  assert.deepEqual(d.routeSet.map((r) => r.uri.toString()), ['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
  assert.equal(d.localSeq, 10);
  assert.equal(d.remoteSeq, undefined);
  const reinvite = (seq: number, contact: string) => parse<SipRequest>(INVITE.replace('CSeq: 10', `CSeq: ${seq}`).replace('Contact: <sip:a@10.0.0.1:5060>', `Contact: ${contact}`).replace('To: <sip:b@example.com>', 'To: <sip:b@example.com>;tag=ftag'));
  assert.deepEqual(d.receiveRequest(reinvite(5, '<sip:b@10.0.0.9>')), { ok: true });
  assert.equal(d.remoteTarget.toString(), 'sip:b@10.0.0.9');
  assert.deepEqual(d.receiveRequest(reinvite(5, '<sip:b@10.0.0.8>')), { ok: false, status: 500, reason: 'CSeq out of order' });
  assert.equal(d.remoteTarget.toString(), 'sip:b@10.0.0.9');
  d.terminate();
  d.terminate();
  assert.equal(d.state, 'terminated');
  assert.throws(() => d.createRequest('BYE'));
});

test('strict route (no ;lr): first route becomes the Request-URI, remote target appended (§12.2.1.1)', () => {
  const strict = parse<SipResponse>(OK.replace('<sip:p1.example.com;lr>', '<sip:p1.example.com>').replace('Record-Route: <sip:p2.example.com;lr>\n', ''));
  const d = Dialog.fromUacResponse(parse<SipRequest>(INVITE), strict, local)!;
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri.toString(), 'sip:p1.example.com');
  assert.deepEqual(bye.headers.getAll('route'), ['<sip:b@10.0.0.2:5070>']);
});

test('non-2xx ACK (§17.1.1.3): INVITE top Via and branch, Request-URI, Route; To with the response tag', () => {
  const ack = createNon2xxAck(parse<SipRequest>(INVITE.replace('Max-Forwards: 70', 'Max-Forwards: 70\nRoute: <sip:out.example.com;lr>')), parse<SipResponse>(OK.replace('200 OK', '486 Busy Here')));
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.uri.toString(), 'sip:b@10.0.0.2:5070');
  assert.equal(ack.topVia?.branch, 'z9hG4bKabc');
  assert.equal(ack.to?.tag, 'ttag');
  assert.equal(ack.cseq?.toString(), '10 ACK');
  assert.deepEqual(ack.headers.getAll('route'), ['<sip:out.example.com;lr>']);
});
