import { test } from 'node:test';
import { getEventListeners } from 'node:events';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import { PlayoutClock, PlayoutStream, type FrameSource } from '../../../src/media/clock/index.js';
import { RtpSession, type RtpPacket, type RtpSessionOptions } from '../../../src/media/rtp/index.js';
import { G711Codec, mulawEncodeSample } from '../../../src/media/codec/index.js';
import { waitFor } from '../helpers/wait.js';

const LOCAL = '127.0.0.1';
const base: RtpSessionOptions = { bindAddress: LOCAL, rtcpIntervalMs: 0 };

interface Got { pt: number; marker: boolean; ts: number; first: number; last: number; length: number }

async function pair(receiverOptions: RtpSessionOptions = {}, senderOptions: RtpSessionOptions = {}) {
  const got: Got[] = [];
  const digits: string[] = [];
  const rx = await RtpSession.open({
    ...base, ...receiverOptions,
    delegate: {
      onPacket: (p: RtpPacket) => got.push({
        pt: p.payloadType, marker: p.marker, ts: p.timestamp, first: p.buffer[p.payloadOffset],
        last: p.buffer[p.payloadOffset + p.payloadLength - 1], length: p.payloadLength,
      }),
      onDtmf: (e) => digits.push(e.digit ?? '?'),
    },
  });
  const tx = await RtpSession.open({ ...base, ...senderOptions, remote: { address: LOCAL, port: rx.localPort } });
  const fake = new FakeClock(0);
  const clock = new PlayoutClock({ clock: fake });
  const close = (): void => { clock.close(); tx.close(); rx.close(); };
  return { got, digits, rx, tx, fake, clock, close };
}

/** `frames` frames of a constant sample value each, then the end. */
function constantSource(values: number[]): FrameSource {
  let i = 0;
  return { readFrame: (out) => (i < values.length ? (out.fill(values[i++]), true) : false) };
}

/** Advance the fake clock tick by tick, letting the sockets deliver in between. */
async function ticks(t: Awaited<ReturnType<typeof pair>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const before = t.tx.stats.packetsSent;
    t.fake.advance(20);
    const sent = t.tx.stats.packetsSent - before;
    if (sent > 0) {
      const want = t.tx.stats.packetsSent;
      await waitFor(() => t.rx.stats.packetsReceived >= want, 'delivery');
    }
  }
}

test('plays a PCM source one frame per tick, then silence; one clock subscription per stream', async () => {
  const t = await pair();
  try {
    const stream = new PlayoutStream({ clock: t.clock, session: t.tx, codec: G711Codec.PCMU });
    assert.equal(t.clock.subscriberCount, 1);
    const done = stream.play(constantSource([1000, 2000, 3000]));
    await ticks(t, 5);
    assert.equal(await done, 'finished');
    assert.deepEqual(t.got.map((g) => g.first), [
      mulawEncodeSample(1000), mulawEncodeSample(2000), mulawEncodeSample(3000), 0xff, 0xff,
    ]);
    assert.ok(t.got.every((g) => g.length === 160 && g.pt === 0));
    t.got.slice(1).forEach((g, i) => assert.equal((g.ts - t.got[i].ts) >>> 0, 160));
    stream.close();
    stream.close();
    assert.equal(t.clock.subscriberCount, 0);
  } finally {
    t.close();
  }
});

test('plays pre-encoded frames as they are, padding the last partial frame; stop and abort end a prompt', async () => {
  const t = await pair({ payloadType: 8 }, { payloadType: 8 });
  try {
    const stream = new PlayoutStream({ clock: t.clock, session: t.tx, codec: G711Codec.PCMA, sendSilence: false });
    const data = new Uint8Array(400).map((_, i) => (i < 160 ? 0x11 : i < 320 ? 0x22 : 0x33));
    const done = stream.playEncoded(data);
    await ticks(t, 4);
    assert.equal(await done, 'finished');
    assert.deepEqual(t.got.map((g) => [g.first, g.last]), [[0x11, 0x11], [0x22, 0x22], [0x33, 0xd5]]);
    const stopped = stream.playEncoded(new Uint8Array(16000));
    await ticks(t, 2);
    stream.stop();
    assert.equal(await stopped, 'stopped');
    const controller = new AbortController();
    const aborted = stream.play(constantSource(new Array(100).fill(5)), controller.signal);
    const replaced = stream.play(constantSource([1]));
    assert.equal(await aborted, 'stopped', 'a new prompt ends the previous one');
    controller.abort();
    await ticks(t, 2);
    assert.equal(await replaced, 'finished');
    assert.equal(await stream.play(constantSource([1]), controller.signal), 'stopped', 'an aborted signal plays nothing');
    stream.close();
  } finally {
    t.close();
  }
});

test('RFC 4733 digits pause the audio, keep the timestamp running and mark the next talk spurt', async () => {
  const t = await pair();
  try {
    const stream = new PlayoutStream({ clock: t.clock, session: t.tx, codec: G711Codec.PCMU, dtmf: { toneMs: 60, gapMs: 0 } });
    await ticks(t, 2);
    const digits = stream.sendDigits('7#');
    await ticks(t, 14);
    await digits;
    await waitFor(() => t.digits.length === 2, 'digits');
    assert.deepEqual(t.digits, ['7', '#']);
    const audio = t.got;
    // Per digit: 3 ticks of tone (60 ms), the end packet 3 times (the first of them is the third tone tick) = 5 ticks.
    assert.equal(audio.length, 2 + 14 - 2 * 5, 'one packet per tick: events replaced audio');
    const resumed = audio[2];
    assert.equal(resumed.marker, true);
    assert.equal((resumed.ts - audio[1].ts) >>> 0, 160 * 11, 'the media clock advanced through the events');
    // Digits again once the first were done, with a 500 ms pause between them that lets the audio through.
    const before = audio.length;
    const later = stream.sendDigits('1w2');
    await ticks(t, 40);
    await later;
    await waitFor(() => t.digits.length === 4, 'later digits');
    assert.deepEqual(t.digits, ['7', '#', '1', '2']);
    assert.equal(audio.length - before, 40 - 2 * 5, 'audio through the pause and after, events for the two digits');
    stream.close();
  } finally {
    t.close();
  }
});

test('without telephone-event, digits go in-band and the far end detects them', async () => {
  const t = await pair({ telephoneEventPayloadType: null }, { telephoneEventPayloadType: null });
  try {
    const stream = new PlayoutStream({ clock: t.clock, session: t.tx, codec: G711Codec.PCMU, dtmf: { toneMs: 80, gapMs: 80 } });
    const prompt = stream.play(constantSource(new Array(50).fill(0)));
    const digits = stream.sendDigits('20');
    const more = stream.sendDigits('4');
    await ticks(t, 30);
    await digits;
    await more;
    await waitFor(() => t.digits.length === 3, 'in-band digits');
    assert.deepEqual(t.digits, ['2', '0', '4'], 'the second call queued behind the first');
    assert.equal(stream.playing, true, 'the prompt was paused, not ended');
    stream.close();
    assert.equal(await prompt, 'stopped');
  } finally {
    t.close();
  }
});

test('prompts played one after another on one signal leave no abort listener behind (<Play loop>)', async () => {
  const t = await pair();
  try {
    const stream = new PlayoutStream({ clock: t.clock, session: t.tx, codec: G711Codec.PCMU });
    const controller = new AbortController();
    for (let loop = 0; loop < 20; loop++) {
      const done = stream.play(constantSource([loop]), controller.signal);
      // One frame, then the tick that finds the source at its end.
      await ticks(t, 2);
      assert.equal(await done, 'finished');
    }
    const stopped = stream.playEncoded(new Uint8Array(1600), controller.signal);
    stream.stop();
    assert.equal(await stopped, 'stopped');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    stream.close();
  } finally {
    t.close();
  }
});
