/** How the router reads numbers out of SIP URIs and names the caller (reference §2.1 From/To). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, type SipRequest } from '../../../src/sip/index.js';
import { callerOf, forwardedFromOf, numberCandidates } from '../../../src/voice/router/index.js';

function invite(from: string, uri = 'sip:+15005550001@127.0.0.1', extra: string[] = []): SipRequest {
  const text = [
    `INVITE ${uri} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1', `From: ${from};tag=1`, `To: <${uri}>`, ...extra,
    'Call-ID: a@b', 'CSeq: 1 INVITE', 'Contact: <sip:c@127.0.0.1:5062>', 'Max-Forwards: 70', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const parsed = parseMessage(Buffer.from(text));
  assert.ok(parsed.ok && parsed.message.isRequest());
  return parsed.message as SipRequest;
}

test('E.164 candidates of a user part: as is with +, with + added to bare digits, nothing for names', () => {
  assert.deepEqual(numberCandidates('+15005550001'), ['+15005550001']);
  assert.deepEqual(numberCandidates('15005550001'), ['+15005550001']);
  assert.deepEqual(numberCandidates('+1 (500) 555-0001'), ['+15005550001']);
  assert.deepEqual(numberCandidates('alice'), []);
  assert.deepEqual(numberCandidates('+0123'), []);
  assert.deepEqual(numberCandidates(null), []);
});

test('the caller: E.164 when the From user is a number, anonymous as is, else the SIP URI', () => {
  assert.equal(callerOf(invite('<sip:+15551230000@10.0.0.1>')), '+15551230000');
  assert.equal(callerOf(invite('"Bob" <sip:15551230000@10.0.0.1>')), '+15551230000');
  assert.equal(callerOf(invite('<sip:Anonymous@anonymous.invalid>')), 'anonymous');
  assert.equal(callerOf(invite('<sip:alice@example.com>')), 'sip:alice@example.com');
});

test('ForwardedFrom: the topmost Diversion (RFC 5806), as E.164 when it is a number', () => {
  assert.equal(forwardedFromOf(invite('<sip:a@b>')), null);
  assert.equal(forwardedFromOf(invite('<sip:a@b>', undefined, ['Diversion: <sip:+15005550999@carrier.example>;reason=unconditional'])), '+15005550999');
  assert.equal(
    forwardedFromOf(invite('<sip:a@b>', undefined, ['Diversion: <sip:14155550100@x>;reason=no-answer, <sip:+15005550999@y>;reason=busy'])),
    '+14155550100',
  );
  assert.equal(forwardedFromOf(invite('<sip:a@b>', undefined, ['Diversion: <sip:office@pbx.example>'])), 'sip:office@pbx.example');
});
