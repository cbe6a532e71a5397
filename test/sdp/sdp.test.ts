import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseSdp, serializeSdp, createAudioOffer, answerOffer, processAnswer, LocalSdpOrigin, classifyRemoteDescription,
  isHoldDescription, rtpFormats, type SessionDescription,
} from '../../src/sdp/index.js';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

/** SIPp's built-in `uac` scenario body. */
const SIPP = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

/** Shaped like a Linphone desktop offer: opus/speex first, several telephone-event rates, a video stream. */
const LINPHONE = crlf([
  'v=0',
  'o=alice 3467 1262 IN IP4 192.168.1.20',
  's=Talk',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 97 98 8 0 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=fmtp:100 0-15',
  'a=rtcp:7079',
  'a=rtcp-fb:* trr-int 1000',
  'm=video 9078 RTP/AVP 96',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:* trr-int 1000',
]);

/** Shaped like a browser offer (trimmed): DTLS-SRTP profile and ICE, which this layer does not speak. */
const WEBRTC = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y',
  'a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:126 telephone-event/8000',
]);

function parsed(text: string): SessionDescription {
  const r = parseSdp(text);
  assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.detail}`);
  return r.value;
}

const ORIGIN = { sessionId: '42', sessionVersion: 1n, address: '10.0.0.1', username: 'patchbay' };

test('round-trips real-world descriptions byte for byte', () => {
  for (const text of [SIPP, LINPHONE, WEBRTC]) assert.equal(serializeSdp(parsed(text)), text);
});

test('parses fields, keeps unknown lines, accepts bare LF', () => {
  const sdp = parsed(LINPHONE.replaceAll('\r\n', '\n'));
  assert.equal(sdp.origin.sessionVersion, 1262n);
  assert.equal(sdp.origin.username, 'alice');
  assert.equal(sdp.media.length, 2);
  assert.equal(sdp.media[0].port, 7078);
  assert.deepEqual(sdp.media[0].formats, ['96', '97', '98', '8', '0', '101', '99', '100']);
  const withExtra = parsed(crlf(['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=x', 'i=info', 'c=IN IP4 1.2.3.4', 't=0 0', 'y=future', 'm=audio 4000 RTP/AVP 0', 'k=prompt']));
  assert.deepEqual(withExtra.extra, [{ type: 'i', value: 'info' }, { type: 'y', value: 'future' }]);
  assert.deepEqual(withExtra.media[0].extra, [{ type: 'k', value: 'prompt' }]);
  assert.match(serializeSdp(withExtra), /s=x\r\ni=info\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\ny=future\r\nm=audio/);
});

test('resolves static and dynamic payload types', () => {
  const f = rtpFormats(parsed(SIPP.replace('a=rtpmap:0 PCMU/8000\r\n', '') + 'a=ptime:20\r\n').media[0]);
  assert.deepEqual(f, [{ payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, fmtp: null }]);
  const l = rtpFormats(parsed(LINPHONE).media[0]);
  assert.deepEqual(l[0], { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' });
});

test('rejects malformed descriptions with a typed reason', () => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['o=- 1 1 IN IP4 1.1.1.1\r\n', 'bad-version'],
    ['v=1\r\n', 'bad-version'],
    ['v=0\r\ns=x\r\nt=0 0\r\n', 'missing-origin'],
    ['v=0\r\no=- x 1 IN IP4 1.1.1.1\r\ns=x\r\nt=0 0\r\n', 'bad-origin'],
    ['v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=x\r\n', 'missing-timing'],
    ['v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=x\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\nc=IN IP4 1.1.1.1\r\n', 'bad-media'],
    ['v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=x\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n', 'missing-connection'],
    ['v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=x\r\nt=0 0\r\nnonsense\r\n', 'bad-line'],
    ['v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=x\r\nc=IN IP4\r\nt=0 0\r\n', 'bad-connection'],
  ];
  for (const [text, reason] of cases) {
    const r = parseSdp(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.equal(r.reason, reason, text);
  }
});

test('offer: PCMU, PCMA, telephone-event 101 0-16, ptime 20, rtcp, rtcp-mux, sendrecv', () => {
  const text = serializeSdp(createAudioOffer({ origin: ORIGIN, address: '10.0.0.1', port: 20000 }));
  assert.equal(
    text,
    crlf([
      'v=0',
      'o=patchbay 42 1 IN IP4 10.0.0.1',
      's=Patchbay',
      'c=IN IP4 10.0.0.1',
      't=0 0',
      'm=audio 20000 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=rtcp:20001',
      'a=rtcp-mux',
      'a=sendrecv',
    ]),
  );
  assert.ok(parseSdp(text).ok);
});

test('answers SIPp: PCMU, no telephone-event, sendrecv, RTCP on port+1', () => {
  const r = answerOffer(parsed(SIPP), { origin: ORIGIN, address: '10.0.0.1', port: 30000 });
  assert.ok(r.ok);
  assert.equal(r.audio.codec.name, 'PCMU');
  assert.equal(r.audio.telephoneEvent, null);
  assert.equal(r.audio.remoteAddress, '127.0.0.1');
  assert.equal(r.audio.remotePort, 6000);
  assert.equal(r.audio.remoteRtcpPort, 6001);
  assert.equal(r.audio.rtcpMux, false);
  assert.equal(r.audio.direction, 'sendrecv');
  const a = serializeSdp(r.answer);
  assert.match(a, /m=audio 30000 RTP\/AVP 0\r\n/);
  assert.match(a, /a=sendrecv/);
  assert.doesNotMatch(a, /rtcp-mux/);
});

test('answers Linphone in the offerer order, picks telephone-event/8000, declines video with port 0', () => {
  const r = answerOffer(parsed(LINPHONE), { origin: ORIGIN, address: '10.0.0.1', port: 30000 });
  assert.ok(r.ok);
  assert.equal(r.audio.codec.name, 'PCMA'); // 8 is listed before 0
  assert.equal(r.audio.telephoneEvent?.payloadType, 100);
  assert.equal(r.audio.remoteRtcpPort, 7079);
  assert.equal(r.answer.media.length, 2);
  assert.equal(r.answer.media[1].port, 0);
  assert.equal(r.answer.media[1].type, 'video');
  const a = serializeSdp(r.answer);
  assert.match(a, /m=audio 30000 RTP\/AVP 8 100\r\n/);
  assert.match(a, /a=fmtp:100 0-15/);
  assert.match(a, /m=video 0 RTP\/AVP 96\r\n/);
  assert.ok(parseSdp(a).ok);
  // Our preference does not override the offerer's order (RFC 3264 §6.1).
  const r2 = answerOffer(parsed(LINPHONE), { origin: ORIGIN, address: '10.0.0.1', port: 30000, codecs: ['PCMU', 'PCMA'] });
  assert.ok(r2.ok && r2.audio.codec.name === 'PCMA');
});

test('fails with typed reasons the SIP layer maps to 488', () => {
  const web = answerOffer(parsed(WEBRTC), { origin: ORIGIN, address: '10.0.0.1', port: 1 });
  assert.deepEqual(web.ok ? null : web.reason, 'unsupported-transport');
  const g729 = answerOffer(parsed(SIPP.replace('RTP/AVP 0', 'RTP/AVP 18').replace('0 PCMU', '18 G729')), { origin: ORIGIN, address: 'x', port: 1 });
  assert.deepEqual(g729.ok ? null : g729.reason, 'no-common-codec');
  const onlyPcma = answerOffer(parsed(SIPP), { origin: ORIGIN, address: 'x', port: 1, codecs: ['PCMA'] });
  assert.deepEqual(onlyPcma.ok ? null : onlyPcma.reason, 'no-common-codec');
  const video = answerOffer(parsed(SIPP.replace('m=audio', 'm=video')), { origin: ORIGIN, address: 'x', port: 1 });
  assert.deepEqual(video.ok ? null : video.reason, 'no-audio-stream');
});

test('hold: sendonly → recvonly, inactive → inactive, legacy c=0.0.0.0 → recvonly, resume → sendrecv', () => {
  const offerWith = (dir: string, addr = '127.0.0.1') => parsed(SIPP.replace('c=IN IP4 127.0.0.1', `c=IN IP4 ${addr}`) + `a=${dir}\r\n`);
  const cases: Array<[SessionDescription, string, boolean]> = [
    [offerWith('sendonly'), 'recvonly', true],
    [offerWith('inactive'), 'inactive', true],
    [offerWith('recvonly'), 'sendonly', false],
    [offerWith('sendrecv', '0.0.0.0'), 'recvonly', true],
    [offerWith('sendrecv'), 'sendrecv', false],
  ];
  for (const [offer, expected, hold] of cases) {
    const r = answerOffer(offer, { origin: ORIGIN, address: '10.0.0.1', port: 3 });
    assert.ok(r.ok);
    assert.equal(r.audio.direction, expected);
    assert.equal(r.audio.remoteHold, hold);
    assert.equal(isHoldDescription(offer), hold);
    assert.ok(r.answer.media[0].attributes.some((a) => a.name === expected));
  }
  // Our own wish narrows the answer: we hold (sendonly) a sendrecv offer.
  const r = answerOffer(offerWith('sendrecv'), { origin: ORIGIN, address: '10.0.0.1', port: 3, direction: 'sendonly' });
  assert.ok(r.ok && r.audio.direction === 'sendonly');
});

test('offerer side: reads the answer, payload type remap, hold offers', () => {
  const offer = createAudioOffer({ origin: ORIGIN, address: '10.0.0.1', port: 20000 });
  const answerText = crlf([
    'v=0', 'o=- 7 7 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0',
    'm=audio 40000 RTP/AVP 8 96', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:96 telephone-event/8000', 'a=rtcp-mux', 'a=recvonly',
  ]);
  const r = processAnswer(offer, parsed(answerText));
  assert.ok(r.ok);
  assert.equal(r.audio.codec.name, 'PCMA');
  assert.equal(r.audio.telephoneEvent?.payloadType, 96);
  assert.equal(r.audio.rtcpMux, true);
  assert.equal(r.audio.remoteRtcpPort, 40000);
  assert.equal(r.audio.direction, 'sendonly');
  const rej = processAnswer(offer, parsed(answerText.replace('m=audio 40000', 'm=audio 0')));
  assert.deepEqual(rej.ok ? null : rej.reason, 'stream-rejected');
  const other = processAnswer(offer, parsed(answerText.replace('RTP/AVP 8 96', 'RTP/AVP 18').replace('8 PCMA', '18 G729')));
  assert.deepEqual(other.ok ? null : other.reason, 'no-common-codec');
  // Hold with the legacy address too, for RFC 2543 peers.
  const hold = serializeSdp(createAudioOffer({ origin: ORIGIN, address: '10.0.0.1', port: 2, direction: 'sendonly', legacyHold: true }));
  assert.match(hold, /c=IN IP4 0\.0\.0\.0/);
  assert.match(hold, /a=sendonly/);
});

test('re-offers: version bumps only when the description changes', () => {
  const origin = new LocalSdpOrigin({ address: '10.0.0.1', sessionId: '1234', initialVersion: 5n, username: 'patchbay' });
  const make = (direction: 'sendrecv' | 'sendonly') =>
    origin.stamp(createAudioOffer({ origin: origin.origin, address: '10.0.0.1', port: 2000, direction }));
  const first = make('sendrecv');
  assert.equal(first.origin.sessionVersion, 5n);
  assert.equal(make('sendrecv').origin.sessionVersion, 5n); // session refresh: unchanged
  const held = make('sendonly');
  assert.equal(held.origin.sessionVersion, 6n);
  assert.equal(held.origin.sessionId, '1234');
  assert.equal(make('sendrecv').origin.sessionVersion, 7n);

  const remote = parsed(SIPP);
  assert.equal(classifyRemoteDescription(null, remote), 'initial');
  assert.equal(classifyRemoteDescription(remote, parsed(SIPP)), 'unchanged');
  assert.equal(classifyRemoteDescription(remote, parsed(SIPP.replace(' 2353687637 ', ' 2353687638 '))), 'modified');
  assert.equal(classifyRemoteDescription(remote, parsed(SIPP.replace(' 2353687637 ', ' 2353687636 '))), 'version-regressed');
  assert.equal(classifyRemoteDescription(remote, parsed(SIPP.replace('53655765', '1'))), 'new-session');
});
