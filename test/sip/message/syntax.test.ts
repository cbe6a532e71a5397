import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseUri, uriEquals, SipUri, GenericUri, NameAddr, Via, CSeq, Headers, parseMessage, createResponse, createErrorResponse,
  SipRequest, validateRequest, frameStream, headerKey, canonicalHeaderName, MAX_MESSAGE_SIZE,
} from '../../../src/sip/message/index.js';

const CRLF = '\r\n';
function msg(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF + body, 'utf8');
}
const OPTIONS = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: "Alice, A." <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 63104 OPTIONS',
  'Contact: <sip:alice@pc33.example.com>, "x" <sip:x@y;lr>;expires=30',
  'Content-Length: 0',
];

test('SIP URI: user, password, host, port, params, headers', () => {
  const r = parseUri('sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&priority=urgent');
  assert.ok(r.ok && r.value instanceof SipUri);
  const u = r.value;
  assert.equal(u.scheme, 'sips');
  assert.equal(u.user, 'alice');
  assert.equal(u.password, 'secret');
  assert.equal(u.hostname, 'example.com');
  assert.equal(u.port, 5061);
  assert.equal(u.param('transport'), 'tcp');
  assert.equal(u.param('lr'), null);
  assert.equal(u.headers.get('priority'), 'urgent');
  assert.equal(u.toString(), 'sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&priority=urgent');
});

test('SIP URI: IPv6 references and invalid forms', () => {
  const r = parseUri('sip:[2001:db8::1]:5070;maddr=[2001:db8::2]');
  assert.ok(r.ok && r.value instanceof SipUri);
  assert.equal(r.value.host, '[2001:db8::1]');
  assert.equal(r.value.hostname, '2001:db8::1');
  assert.equal(r.value.port, 5070);
  for (const bad of ['sip:', 'sip:@host', 'sip:a b@host', 'sip:host:99999', 'sip:[::1', 'sip:u%zz@h', '<sip:a@b>', '']) {
    assert.equal(parseUri(bad).ok, false, bad);
  }
});

test('generic URIs are kept opaque', () => {
  const r = parseUri('tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(r.ok && r.value instanceof GenericUri);
  assert.equal(r.value.scheme, 'tel');
  assert.equal(r.value.toString(), 'tel:+1-201-555-0123;phone-context=example.com');
});

test('built URIs serialize', () => {
  const u = new SipUri('sip', 'example.com', 5060, 'bob', undefined, new Map([['transport', 'udp']]));
  assert.equal(u.toString(), 'sip:bob@example.com:5060;transport=udp');
  assert.equal(u.with({ port: undefined }).toString(), 'sip:bob@example.com;transport=udp');
});

test('name-addr: quoted display names with escapes, params, addr-spec form', () => {
  const a = NameAddr.parse('"Bob \\"the\\" Builder" <sip:bob@example.com;transport=tcp>;tag=abc;q=0.5');
  assert.ok(a.ok);
  assert.equal(a.value.displayName, 'Bob "the" Builder');
  assert.equal(a.value.tag, 'abc');
  assert.ok(a.value.uri instanceof SipUri);
  assert.equal(a.value.uri.param('transport'), 'tcp');
  const b = NameAddr.parse('sip:bob@example.com;tag=xyz');
  assert.ok(b.ok);
  assert.equal(b.value.tag, 'xyz');
  assert.equal(NameAddr.parse('"unterminated <sip:a@b>').ok, false);
  assert.equal(NameAddr.parse('<sip:a@b').ok, false);
  assert.equal(NameAddr.parse('<sip:a@b>;;').ok, false);
  assert.equal(a.value.withTag('t2').toString(), '"Bob \\"the\\" Builder" <sip:bob@example.com;transport=tcp>;tag=t2;q=0.5');
  const list = NameAddr.parseList('<sip:a@b>, "c, d" <sip:c@d>, <sip:e,f@g>');
  assert.ok(list.ok);
  assert.equal(list.value.length, 3);
  assert.equal(list.value[1]?.displayName, 'c, d');
});

test('Via: branch, received, rport, maddr, ttl, IPv6, compact LWS', () => {
  const v = Via.parse('SIP / 2.0 / udp [2001:db8::9]:5062 ; branch=z9hG4bKabc;received=2001:db8::1;rport=5070;maddr=224.2.0.1;ttl=16');
  assert.ok(v.ok);
  assert.equal(v.value.transport, 'UDP');
  assert.equal(v.value.hostname, '2001:db8::9');
  assert.equal(v.value.port, 5062);
  assert.equal(v.value.branch, 'z9hG4bKabc');
  assert.ok(v.value.hasRfc3261Branch);
  assert.equal(v.value.received, '2001:db8::1');
  assert.equal(v.value.rport, 5070);
  assert.equal(v.value.maddr, '224.2.0.1');
  assert.equal(v.value.ttl, 16);
  const flag = Via.parse('SIP/2.0/TCP h;rport');
  assert.ok(flag.ok);
  assert.equal(flag.value.rport, true);
  for (const bad of ['SIP/2.0/UDP', 'SIP/2.0 h', 'SIP/2.0/UDP h;ttl=256', 'SIP/2.0/UDP h;branch', 'SIP/2.0/UDP h:70000', 'SIP/2.0/UDP h;;']) {
    assert.equal(Via.parse(bad).ok, false, bad);
  }
  assert.equal(Via.parseList('SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b').ok, true);
  assert.equal(Via.parseList('SIP/2.0/UDP a;branch=1,,').ok, false);
  assert.equal(new Via('UDP', 'h', 5060, new Map([['branch', 'z9hG4bK1']])).toString(), 'SIP/2.0/UDP h:5060;branch=z9hG4bK1');
});

test('CSeq limits', () => {
  assert.equal(CSeq.parse('2147483647 INVITE').ok, true);
  assert.equal(CSeq.parse('2147483648 INVITE').ok, false);
  assert.equal(CSeq.parse('-1 INVITE').ok, false);
  assert.equal(CSeq.parse('1').ok, false);
});

test('header names: compact forms and case-insensitivity', () => {
  assert.equal(headerKey('v'), 'via');
  assert.equal(headerKey('I'), 'call-id');
  assert.equal(headerKey('CONTENT-length'), 'content-length');
  assert.equal(canonicalHeaderName('call-id'), 'Call-ID');
  assert.equal(canonicalHeaderName('k'), 'Supported');
  const h = new Headers([Headers.field('v', 'SIP/2.0/UDP a'), Headers.field('Via', 'SIP/2.0/UDP b, SIP/2.0/UDP c')]);
  assert.deepEqual(h.list('VIA'), ['SIP/2.0/UDP a', 'SIP/2.0/UDP b', 'SIP/2.0/UDP c']);
  h.prepend('Via', 'SIP/2.0/UDP top');
  assert.equal(h.get('via'), 'SIP/2.0/UDP top');
});

test('parse → fields → bytes round trip, and edits', () => {
  const bytes = msg(OPTIONS);
  const r = parseMessage(bytes);
  assert.ok(r.ok && r.message.isRequest());
  const m = r.message;
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.from?.displayName, 'Alice, A.');
  assert.equal(m.topVia?.rport, true);
  const c = m.contact;
  assert.ok(c && !c.star);
  assert.equal(c.contacts.length, 2);
  assert.ok(m.serialize().equals(bytes));
  m.headers.prepend('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew');
  m.body = Buffer.from('hello');
  const again = parseMessage(m.serialize());
  assert.ok(again.ok);
  assert.equal(again.message.via.length, 2);
  assert.equal(again.message.contentLength, 5);
  assert.equal(again.message.body.toString(), 'hello');
});

test('parser: leading CRLFs, LF-only lines, folding, Contact *', () => {
  const r = parseMessage(Buffer.from('\r\n\r\nREGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h\n ;branch=z9hG4bK1\nContact: *\nl: 0\n\n'));
  assert.ok(r.ok);
  assert.equal(r.message.topVia?.branch, 'z9hG4bK1');
  assert.deepEqual(r.message.contact, { star: true });
});

test('parser: failures are typed, never thrown, and carry what was recoverable', () => {
  const cases: Array<[Buffer, number | undefined]> = [
    [Buffer.alloc(0), undefined],
    [Buffer.from('garbage'), undefined],
    [msg(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'no colon here']), 400],
    [msg(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', 'Content-Length: 10']), 400],
    [msg(['ACK sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', 'Max-Forwards: 300']), undefined],
    [msg(['INVITE sip:a@b SIP/2.0', 'Max-Forwards: 300']), undefined],
    [msg(['SIP/2.0 99 Too Low', 'Via: SIP/2.0/UDP h']), undefined],
    [msg(['SIP/2.0 700 Too High', 'Via: SIP/2.0/UDP h']), undefined],
    [msg(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', 'Max-Forwards: 256']), 400],
  ];
  for (const [b, status] of cases) {
    const r = parseMessage(b);
    assert.equal(r.ok, false, b.toString());
    if (!r.ok) assert.equal(r.status, status, `${r.reason}: ${b.toString()}`);
  }
  const big = Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x41);
  assert.equal(parseMessage(big).ok, false);
});

test('createResponse follows §8.2.6', () => {
  const r = parseMessage(msg([...OPTIONS.slice(0, 2), 'Via: SIP/2.0/UDP second;branch=z9hG4bK2', ...OPTIONS.slice(2), 'Timestamp: 54']));
  assert.ok(r.ok && r.message.isRequest());
  const res = createResponse(r.message, 200, { toTag: 'srv1', headers: [['Allow', 'INVITE, OPTIONS']] });
  assert.equal(res.status, 200);
  assert.equal(res.reason, 'OK');
  assert.deepEqual(res.headers.getAll('via'), r.message.headers.getAll('via'));
  assert.equal(res.to?.tag, 'srv1');
  assert.equal(res.from?.tag, '1928301774');
  assert.equal(res.callId, r.message.callId);
  assert.equal(res.cseq?.toString(), '63104 OPTIONS');
  assert.equal(res.headers.get('timestamp'), undefined);
  const trying = createResponse(r.message, 100);
  assert.equal(trying.to?.tag, undefined);
  assert.equal(trying.headers.get('timestamp'), '54');
  const wire = parseMessage(res.serialize());
  assert.ok(wire.ok && wire.message.isResponse());
  assert.equal(wire.message.headers.get('allow'), 'INVITE, OPTIONS');
});

test('createErrorResponse answers only what may be answered', () => {
  const bad = parseMessage(msg(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'To: <sip:a@b>', 'CSeq: 99999999999 INVITE']));
  assert.ok(!bad.ok);
  const res = createErrorResponse(bad);
  assert.equal(res?.status, 400);
  assert.equal(res?.headers.get('cseq'), undefined);
  const resp = parseMessage(msg(['SIP/2.0 999 x', 'Via: SIP/2.0/UDP h']));
  assert.ok(!resp.ok);
  assert.equal(createErrorResponse(resp), undefined);
});

test('validateRequest on a locally built request', () => {
  const uri = parseUri('sip:bob@example.com');
  assert.ok(uri.ok);
  const req = new SipRequest({ method: 'OPTIONS', uri: uri.value });
  assert.deepEqual(validateRequest(req).action, 'reject');
  req.headers.append('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1').append('To', '<sip:bob@example.com>')
    .append('From', '<sip:a@example.com>;tag=1').append('Call-ID', 'x').append('CSeq', '1 OPTIONS');
  assert.deepEqual(validateRequest(req), { action: 'accept' });
  req.headers.set('Require', '100rel, foo');
  const v = validateRequest(req);
  assert.ok(v.action === 'reject' && v.status === 420);
  assert.deepEqual(v.headers, [['Unsupported', 'foo']]);
});

test('frameStream: partial, coalesced, keep-alive, oversize', () => {
  const one = msg(OPTIONS.slice(0, -1).concat('Content-Length: 5'), 'hello');
  assert.deepEqual(frameStream(one.subarray(0, 20), 65536), { kind: 'incomplete' });
  assert.deepEqual(frameStream(one.subarray(0, one.length - 1), 65536), { kind: 'incomplete' });
  const two = Buffer.concat([one, one]);
  assert.deepEqual(frameStream(two, 65536), { kind: 'message', length: one.length });
  assert.deepEqual(frameStream(Buffer.from('\r\n\r\nINVITE'), 65536), { kind: 'keepalive', length: 4, ping: true });
  assert.deepEqual(frameStream(Buffer.from('\r\nINVITE'), 65536), { kind: 'keepalive', length: 2, ping: false });
  assert.deepEqual(frameStream(Buffer.from('\r\n'), 65536), { kind: 'incomplete' });
  assert.equal(frameStream(Buffer.alloc(70000, 0x41), 65536).kind, 'error');
  assert.equal(frameStream(msg(['X sip:a SIP/2.0', 'l: 99999']), 65536).kind, 'error');
  assert.equal(frameStream(msg(['X sip:a SIP/2.0', 'l: 1', 'Content-Length: 2']), 65536).kind, 'error');
  assert.equal(frameStream(msg(['X sip:a SIP/2.0', 'l: -1']), 65536).kind, 'error');
});

test('URI equivalence follows the examples of RFC 3261 §19.1.4', () => {
  const u = (s: string) => {
    const r = parseUri(s);
    assert.ok(r.ok, s);
    return r.value;
  };
  const equal = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
  ];
  const different = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
    ['sip:a@b', 'sips:a@b'],
  ];
  for (const [a, b] of equal) assert.ok(uriEquals(u(a ?? ''), u(b ?? '')) && uriEquals(u(b ?? ''), u(a ?? '')), `${a} == ${b}`);
  for (const [a, b] of different) assert.ok(!uriEquals(u(a ?? ''), u(b ?? '')) && !uriEquals(u(b ?? ''), u(a ?? '')), `${a} != ${b}`);
});

test('limits: Via values and header field lines are bounded', () => {
  const vias = Array.from({ length: 257 }, (_, i) => `SIP/2.0/UDP h${i}`).join(', ');
  const a = parseMessage(msg(['OPTIONS sip:a@b SIP/2.0', `Via: ${vias}`]));
  assert.ok(!a.ok && a.status === 400);
  const b = parseMessage(msg(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', ...Array.from({ length: 1000 }, () => 'X: y')]));
  assert.ok(!b.ok && b.status === 400);
  const c = parseMessage(msg(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', ...Array.from({ length: 900 }, () => 'X: y')]));
  assert.ok(c.ok);
});
