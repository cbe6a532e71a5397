/**
 * The per-call media session over real UDP sockets on 127.0.0.1: an SDP offer from a peer RtpSession is answered,
 * prompts reach the peer, the peer's audio comes back as 20 ms PCM frames (gaps filled with silence), DTMF arrives
 * by RFC 4733, SIP INFO or in-band tones, and an unacceptable offer is refused with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import { PlayoutClock, PlayoutStream } from '../../../src/media/clock/index.js';
import { G711Codec } from '../../../src/media/codec/index.js';
import { ProcessedMedia } from '../../../src/media/cache/index.js';
import { RtpSession } from '../../../src/media/rtp/index.js';
import { MediaSession, parseDtmfInfo } from '../../../src/media/session/index.js';
import { waitFor } from '../helpers/wait.js';

const LOCAL = '127.0.0.1';

function offer(port: number, formats: string): string {
  const lines = ['v=0', 'o=peer 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${formats}`];
  for (const pt of formats.split(' ')) {
    if (pt === '0') lines.push('a=rtpmap:0 PCMU/8000');
    if (pt === '8') lines.push('a=rtpmap:8 PCMA/8000');
    if (pt === '18') lines.push('a=rtpmap:18 G729/8000');
    if (pt === '101') lines.push('a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16');
  }
  lines.push('a=sendrecv', '');
  return lines.join('\r\n');
}

async function setup(formats = '8 0 101', peerPt = 8, peerTe: number | null = 101) {
  const fake = new FakeClock(0);
  const playout = new PlayoutClock({ clock: fake });
  const received: number[] = [];
  const peer = await RtpSession.open({
    bindAddress: LOCAL, rtcpIntervalMs: 0, payloadType: peerPt, telephoneEventPayloadType: peerTe,
    delegate: { onPacket: (p) => received.push(p.payloadType) },
  });
  const result = await MediaSession.answer(offer(peer.localPort, formats), { playout, address: LOCAL, bindAddress: LOCAL, rtcpIntervalMs: 0 });
  assert.ok(result.ok, 'the offer is answered');
  const session = result.session;
  peer.setRemote({ address: LOCAL, port: session.localPort });
  const close = () => {
    session.close();
    peer.close();
    playout.close();
  };
  return { fake, playout, peer, session, answer: result.answer, received, close };
}

test('answers with the offerer\'s first common codec and plays cached media in that law', async () => {
  const t = await setup('8 0 101');
  try {
    assert.match(t.answer, /m=audio \d+ RTP\/AVP 8 101/);
    assert.equal(t.session.codec, G711Codec.PCMA);
    const media = ProcessedMedia.fromPcm('x'.repeat(64), '/media/x', new Int16Array(160 * 3).fill(1000));
    const done = t.session.playMedia(media);
    for (let i = 0; i < 4; i++) t.fake.advance(20);
    assert.equal(await done, 'finished');
    await waitFor(() => t.received.length >= 3, 'three packets at the peer');
    assert.ok(t.received.every((pt) => pt === 8));
  } finally {
    t.close();
  }
});

test('decodes the caller\'s audio into 20 ms frames and fills timestamp gaps with silence', async () => {
  const t = await setup('0 101', 0);
  try {
    const frames: number[] = [];
    t.session.onAudio((frame) => frames.push(frame[0]));
    const payload = new Uint8Array(160);
    G711Codec.PCMU.encode(new Int16Array(160).fill(4000), payload);
    t.peer.sendMedia(payload);
    t.peer.skipMedia(320); // two frames of silence suppression
    t.peer.sendMedia(payload);
    await waitFor(() => frames.length >= 4, 'four frames');
    assert.equal(frames.length, 4);
    assert.ok(frames[0] > 3000 && frames[3] > 3000);
    assert.deepEqual(frames.slice(1, 3), [0, 0]);
  } finally {
    t.close();
  }
});

test('a gap that is not a whole frame (a lost 30 ms packet) is filled with exactly the missing samples', async () => {
  const t = await setup('0 101', 0);
  try {
    const samples: number[] = [];
    t.session.onAudio((frame) => samples.push(...frame));
    const payload = new Uint8Array(240);
    G711Codec.PCMU.encode(new Int16Array(240).fill(4000), payload);
    t.peer.sendMedia(payload, 0, 240);
    t.peer.skipMedia(240);
    t.peer.sendMedia(payload, 0, 240);
    t.peer.sendMedia(payload, 0, 240); // 960 samples in all: six whole frames
    await waitFor(() => samples.length >= 960, 'six frames');
    assert.equal(samples.length, 960);
    const loud = (from: number, to: number) => samples.slice(from, to).every((v) => v > 3000);
    assert.ok(loud(0, 240) && loud(480, 960), 'the packets around the gap keep their place');
    assert.ok(samples.slice(240, 480).every((v) => v === 0), 'exactly 240 samples of silence');
  } finally {
    t.close();
  }
});

test('reports keys sent as RFC 4733 events and as SIP INFO', async () => {
  const t = await setup('0 101', 0);
  try {
    const keys: string[] = [];
    t.session.onDtmf((key, via) => keys.push(`${key}/${via}`));
    const sender = new PlayoutStream({ clock: t.playout, session: t.peer, codec: G711Codec.PCMU });
    const sent = sender.sendDigits('5');
    for (let i = 0; i < 20 && keys.length === 0; i++) {
      t.fake.advance(20);
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => keys.length >= 1, 'the RFC 4733 key');
    for (let i = 0; i < 20; i++) t.fake.advance(20);
    await sent;
    sender.close();
    t.session.receiveSignalledDtmf('#');
    assert.deepEqual(keys, ['5/rfc4733', '#/info']);
  } finally {
    t.close();
  }
});

test('detects in-band tones when telephone-event was not negotiated', async () => {
  const t = await setup('0', 0, null);
  try {
    const keys: string[] = [];
    t.session.onDtmf((key, via) => keys.push(`${key}/${via}`));
    const sender = new PlayoutStream({ clock: t.playout, session: t.peer, codec: G711Codec.PCMU });
    const sent = sender.sendDigits('7');
    for (let i = 0; i < 30; i++) {
      t.fake.advance(20);
      await new Promise((r) => setTimeout(r, 2));
    }
    await sent;
    sender.close();
    await waitFor(() => keys.length >= 1, 'the in-band key');
    assert.deepEqual(keys, ['7/inband']);
  } finally {
    t.close();
  }
});

test('an offer without a common codec or without SDP is refused with its reason and binds no port', async () => {
  const playout = new PlayoutClock({ clock: new FakeClock(0) });
  const noCodec = await MediaSession.answer(offer(4000, '18'), { playout, address: LOCAL, bindAddress: LOCAL });
  assert.equal(noCodec.ok, false);
  assert.equal(!noCodec.ok && noCodec.reason, 'no-common-codec');
  const none = await MediaSession.answer(undefined, { playout, address: LOCAL, bindAddress: LOCAL });
  assert.equal(!none.ok && none.reason, 'no-offer');
  const garbage = await MediaSession.answer('hello', { playout, address: LOCAL, bindAddress: LOCAL });
  assert.equal(!garbage.ok && garbage.reason, 'invalid-sdp');
  playout.close();
});

test('a re-INVITE offer is answered on the same port; close is idempotent', async () => {
  const t = await setup('0 101', 0);
  try {
    const again = t.session.reanswer(offer(t.peer.localPort, '0 101'));
    assert.match(again, new RegExp(`m=audio ${t.session.localPort} `));
    assert.throws(() => t.session.reanswer(offer(t.peer.localPort, '18')));
  } finally {
    t.close();
    t.session.close();
    assert.equal(t.session.isClosed, true);
  }
});

test('SIP INFO DTMF bodies', () => {
  assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), '5');
  assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal= #\r\n'), '#');
  assert.equal(parseDtmfInfo('application/dtmf-relay', 'Signal=11\r\n'), '#');
  assert.equal(parseDtmfInfo('application/dtmf', '*'), '*');
  assert.equal(parseDtmfInfo('application/dtmf', 'x'), null);
  assert.equal(parseDtmfInfo('text/plain', '5'), null);
  assert.equal(parseDtmfInfo(undefined, 'Signal=5'), null);
});

test('delayed offer: our offer first, the answer later picks the codec; nothing plays before it', async () => {
  const fake = new FakeClock(0);
  const playout = new PlayoutClock({ clock: fake });
  const received: number[] = [];
  const peer = await RtpSession.open({ bindAddress: LOCAL, rtcpIntervalMs: 0, payloadType: 8, delegate: { onPacket: (p) => received.push(p.payloadType) } });
  const made = await MediaSession.offer({ playout, address: LOCAL, bindAddress: LOCAL, rtcpIntervalMs: 0 });
  assert.ok(made.ok);
  const session = made.session;
  try {
    assert.match(made.offer, /m=audio \d+ RTP\/AVP 0 8 101/);
    assert.equal(session.awaitingAnswer, true);
    const media = ProcessedMedia.fromPcm('y'.repeat(64), '/media/y', new Int16Array(160 * 2).fill(1000));
    assert.equal(await session.playMedia(media), 'stopped', 'no stream before the answer');
    assert.throws(() => session.completeOffer(offer(peer.localPort, '18')), /no-common-codec/);
    assert.equal(session.awaitingAnswer, true);
    session.completeOffer(offer(peer.localPort, '8 101'));
    assert.equal(session.awaitingAnswer, false);
    assert.equal(session.codec, G711Codec.PCMA);
    const done = session.playMedia(media);
    for (let i = 0; i < 3; i++) fake.advance(20);
    assert.equal(await done, 'finished');
    await waitFor(() => received.length >= 2, 'packets at the peer');
    assert.ok(received.every((pt) => pt === 8));
  } finally {
    session.close();
    peer.close();
    playout.close();
  }
});
