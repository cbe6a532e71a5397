import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RtpSession, RtpPacket, type RtpSessionOptions } from '../../../src/media/rtp/index.js';
import {
  G711Codec, ALAW_TO_MULAW, MULAW_TO_ALAW, ALAW_DECODE_TABLE, MULAW_DECODE_TABLE,
} from '../../../src/media/codec/index.js';
import { MediaBridge } from '../../../src/media/bridge/index.js';
import { DtmfDetector } from '../../../src/media/dtmf/index.js';
import { readPcapUdp, SIPP_DIR } from '../helpers/pcap.js';
import { waitFor } from '../helpers/wait.js';

const LOCAL = '127.0.0.1';
const base: RtpSessionOptions = { bindAddress: LOCAL, rtcpIntervalMs: 0 };

interface Got { pt: number; seq: number; ts: number; marker: boolean; payload: Uint8Array }

/** caller <-> [A | bridge | B] <-> callee, all on real sockets. */
async function topology(codecX: G711Codec, codecY: G711Codec, teA = 101, teB: number | null = 101) {
  const atCallee: Got[] = [];
  const atCaller: Got[] = [];
  const digitsAtCallee: string[] = [];
  const keep = (into: Got[]) => (p: RtpPacket): void => {
    into.push({ pt: p.payloadType, seq: p.sequenceNumber, ts: p.timestamp, marker: p.marker, payload: Uint8Array.from(p.payload) });
  };
  const a = await RtpSession.open({ ...base, payloadType: codecX.payloadType, telephoneEventPayloadType: teA });
  const b = await RtpSession.open({ ...base, payloadType: codecY.payloadType, telephoneEventPayloadType: teB });
  const caller = await RtpSession.open({
    ...base, payloadType: codecX.payloadType, telephoneEventPayloadType: teA, remote: { address: LOCAL, port: a.localPort },
    delegate: { onPacket: keep(atCaller) },
  });
  const callee = await RtpSession.open({
    ...base, payloadType: codecY.payloadType, telephoneEventPayloadType: teB, remote: { address: LOCAL, port: b.localPort },
    delegate: { onPacket: keep(atCallee), onDtmf: (e) => digitsAtCallee.push(e.digit ?? '?') },
  });
  a.setRemote({ address: LOCAL, port: caller.localPort });
  b.setRemote({ address: LOCAL, port: callee.localPort });
  const bridge = new MediaBridge({ session: a, codec: codecX }, { session: b, codec: codecY });
  const close = (): void => {
    bridge.close();
    for (const s of [a, b, caller, callee]) s.close();
  };
  return { a, b, caller, callee, bridge, atCallee, atCaller, digitsAtCallee, close };
}

/** The A-law frames of SIPp's g711a.pcap (real speech, 240 bytes each). */
function g711aFrames(): Uint8Array[] {
  const p = new RtpPacket();
  return readPcapUdp(join(SIPP_DIR, 'g711a.pcap')).map((d) => {
    assert.equal(p.decode(d.payload), null);
    assert.equal(p.payloadType, 8);
    return Uint8Array.from(p.payload);
  });
}

test('passthrough: same codec on both legs delivers every payload bit-exactly, with the timing kept', async () => {
  const t = await topology(G711Codec.PCMA, G711Codec.PCMA);
  try {
    assert.equal(t.bridge.transcoding, false);
    const frames = g711aFrames();
    assert.ok(frames.length > 200);
    // Send in bursts so the kernel's socket buffers are never the limit.
    for (let i = 0; i < frames.length; i++) {
      t.caller.sendMedia(frames[i], 0, frames[i].length);
      if (i % 20 === 19) await waitFor(() => t.atCallee.length === i + 1, `frame ${i}`);
    }
    await waitFor(() => t.atCallee.length === frames.length, 'all frames');
    t.atCallee.forEach((g, i) => {
      assert.equal(g.pt, 8);
      assert.deepEqual(g.payload, frames[i], `frame ${i}`);
      if (i > 0) {
        assert.equal((g.ts - t.atCallee[i - 1].ts) >>> 0, 240, 'timestamps advance with the source');
        assert.equal(g.seq, (t.atCallee[i - 1].seq + 1) & 0xffff);
      }
    });
    assert.equal(t.atCallee[0].marker, true);
    assert.equal(t.bridge.stats().aToB.forwarded, frames.length);
    // The other direction works too.
    t.callee.sendMedia(frames[0]);
    await waitFor(() => t.atCaller.length === 1, 'reverse');
    assert.deepEqual(t.atCaller[0].payload, frames[0]);
  } finally {
    t.close();
  }
});

test('transcoding PCMA -> PCMU and back: tables applied, decoded audio within one quantization step', async () => {
  const t = await topology(G711Codec.PCMA, G711Codec.PCMU);
  try {
    assert.equal(t.bridge.transcoding, true);
    const frames = g711aFrames().slice(0, 60);
    for (let i = 0; i < frames.length; i++) {
      t.caller.sendMedia(frames[i]);
      if (i % 20 === 19) await waitFor(() => t.atCallee.length === i + 1, `frame ${i}`);
    }
    await waitFor(() => t.atCallee.length === frames.length, 'all frames');
    let maxError = 0;
    t.atCallee.forEach((g, i) => {
      assert.equal(g.pt, 0, 'the callee leg speaks PCMU');
      for (let k = 0; k < g.payload.length; k++) {
        assert.equal(g.payload[k], ALAW_TO_MULAW[frames[i][k]]);
        const before = ALAW_DECODE_TABLE[frames[i][k]];
        const after = MULAW_DECODE_TABLE[g.payload[k]];
        const err = Math.abs(before - after);
        // μ-law steps are at most 1/16 of the value's magnitude (plus the smallest step near zero).
        assert.ok(err <= Math.max(16, Math.abs(before) / 16), `sample ${before} -> ${after}`);
        maxError = Math.max(maxError, err);
      }
    });
    assert.ok(maxError > 0, 'the laws do differ somewhere in real speech');
    // Reverse: μ-law from the callee arrives as A-law at the caller.
    const mu = Uint8Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff);
    t.callee.sendMedia(mu);
    await waitFor(() => t.atCaller.length === 1, 'reverse');
    assert.equal(t.atCaller[0].pt, 8);
    assert.deepEqual(t.atCaller[0].payload, Uint8Array.from(mu, (c) => MULAW_TO_ALAW[c]));
    assert.equal(t.bridge.stats().bToA.transcoded, 1);
  } finally {
    t.close();
  }
});

test('RFC 4733 DTMF is relayed with the other leg\'s payload type and decoded there; CN and unknown types are dropped', async () => {
  const t = await topology(G711Codec.PCMU, G711Codec.PCMU, 101, 96);
  try {
    const capture = readPcapUdp(join(SIPP_DIR, 'dtmf_2833_5.pcap'));
    const p = new RtpPacket();
    for (const d of capture) {
      assert.equal(p.decode(d.payload), null);
      t.caller.sendPacket(101, p.marker, t.caller.currentTimestamp, p.payload, 0, p.payloadLength);
    }
    await waitFor(() => t.digitsAtCallee.length === 1, 'relayed digit');
    assert.deepEqual(t.digitsAtCallee, ['5']);
    assert.equal(t.bridge.stats().aToB.dtmfRelayed, capture.length, 'every event packet, retransmitted ends included, is relayed');
    // Comfort noise (PT 13) is not forwarded.
    t.caller.sendPacket(13, false, 0, new Uint8Array(1), 0, 1);
    await waitFor(() => t.bridge.stats().aToB.dropped === 1, 'dropped CN');
    assert.equal(t.atCallee.length, 0);
  } finally {
    t.close();
  }
});

test('RFC 4733 DTMF towards a leg without telephone-event is played there in band, decodable by Goertzel, in place of media', async () => {
  const t = await topology(G711Codec.PCMU, G711Codec.PCMA, 101, null);
  try {
    const capture = readPcapUdp(join(SIPP_DIR, 'dtmf_2833_5.pcap'));
    const p = new RtpPacket();
    const eventTs = t.caller.currentTimestamp;
    for (const d of capture) {
      assert.equal(p.decode(d.payload), null);
      t.caller.sendPacket(101, p.marker, eventTs, p.payload, 0, p.payloadLength);
      // Media sent during the event is replaced by the tone, not interleaved with it.
      if ((p.payload[1]! & 0x80) === 0) t.caller.sendMedia(new Uint8Array(160).fill(0xff));
    }
    const lastEvent = new RtpPacket();
    assert.equal(lastEvent.decode(capture.at(-1)!.payload), null);
    const duration = (lastEvent.payload[2]! << 8) | lastEvent.payload[3]!;
    const frames = Math.ceil(duration / 160);
    await waitFor(() => t.atCallee.length >= frames, 'the tone frames');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.atCallee.length, frames, 'one frame of tone per 20 ms of the event, no media mixed in');
    assert.ok(t.atCallee.every((g) => g.pt === 8), 'sent in the leg\'s own law');
    assert.ok(t.atCallee[0]!.marker, 'the tone starts a talk spurt');
    const pcm = new Int16Array(frames * 160);
    t.atCallee.forEach((g, i) => G711Codec.PCMA.decode(g.payload, pcm, 160, 0, i * 160));
    const heard: string[] = [];
    const detector = new DtmfDetector({ onDigit: (digit) => heard.push(digit) });
    detector.process(pcm);
    assert.deepEqual(heard, ['5']);
    // Media after the event flows again.
    t.caller.sendMedia(new Uint8Array(160).fill(0xff));
    await waitFor(() => t.atCallee.length === frames + 1, 'media after the key');
  } finally {
    t.close();
  }
});

test('closing the bridge restores the sessions\' delegates and stops forwarding', async () => {
  const t = await topology(G711Codec.PCMU, G711Codec.PCMU);
  try {
    t.caller.sendMedia(new Uint8Array(160));
    await waitFor(() => t.atCallee.length === 1, 'forwarded');
    t.bridge.close();
    t.bridge.close();
    t.caller.sendMedia(new Uint8Array(160));
    await waitFor(() => t.a.stats.packetsReceived === 2, 'second packet at A');
    assert.equal(t.atCallee.length, 1);
    assert.throws(() => new MediaBridge({ session: t.a, codec: G711Codec.PCMA }, { session: t.b, codec: G711Codec.PCMU }), RangeError);
  } finally {
    t.close();
  }
});

test('an oversized datagram on one leg is dropped, not forwarded or thrown', async () => {
  const t = await topology(G711Codec.PCMU, G711Codec.PCMA);
  try {
    const big = new RtpPacket();
    big.payloadType = 0; big.ssrc = 9; big.sequenceNumber = 1;
    big.setPayload(new Uint8Array(4000));
    const raw = (await import('node:dgram')).createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, LOCAL, () => r()));
    t.a.setRemote({ address: LOCAL, port: raw.address().port }); // the raw socket is now the caller
    raw.send(big.serialize(), t.a.localPort, LOCAL);
    await waitFor(() => t.bridge.stats().aToB.dropped === 1, 'oversized packet dropped');
    assert.equal(t.atCallee.length, 0);
    raw.close();
  } finally {
    t.close();
  }
});
