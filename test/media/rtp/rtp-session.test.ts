import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  RtpSession, PortAllocator, RtpPacket, RtcpSenderReport, RtcpReceiverReport, type RtcpCompound,
  type RtpSessionOptions,
} from '../../../src/media/rtp/index.js';
import type { DtmfEvent } from '../../../src/media/dtmf/index.js';
import { waitFor } from '../helpers/wait.js';
import { readPcapUdp, SIPP_DIR, SIPP_DTMF_CAPTURES } from '../helpers/pcap.js';

const LOCAL = '127.0.0.1';
const base: RtpSessionOptions = { bindAddress: LOCAL, rtcpIntervalMs: 0 };

interface Received { seq: number; ts: number; pt: number; marker: boolean; ssrc: number; payload: string }

function recorder(): { got: Received[]; onPacket: (p: RtpPacket) => void } {
  const got: Received[] = [];
  return {
    got,
    onPacket: (p) => got.push({
      seq: p.sequenceNumber, ts: p.timestamp, pt: p.payloadType, marker: p.marker, ssrc: p.ssrc,
      payload: Buffer.from(p.payload).toString('hex'),
    }),
  };
}

async function rawSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, LOCAL, () => r()));
  return s;
}

test('two sessions exchange G.711 frames: marker on the first, sequence and timestamp per frame, stats', async () => {
  const rec = recorder();
  const b = await RtpSession.open({ ...base, delegate: { onPacket: rec.onPacket } });
  const a = await RtpSession.open({
    ...base, remote: { address: LOCAL, port: b.localPort }, ssrc: 0x1234, initialSequence: 65530, initialTimestamp: 0xffffff00,
  });
  try {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) frames.push(new Uint8Array(160).fill(i));
    for (const f of frames) assert.equal(a.sendMedia(f), true);
    await waitFor(() => rec.got.length === 20, '20 packets');
    assert.equal(rec.got[0].marker, true);
    assert.ok(rec.got.slice(1).every((g) => !g.marker));
    rec.got.forEach((g, i) => {
      assert.equal(g.seq, (65530 + i) & 0xffff);
      assert.equal(g.ts, (0xffffff00 + i * 160) >>> 0);
      assert.equal(g.ssrc, 0x1234);
      assert.equal(g.pt, 0);
      assert.equal(g.payload, Buffer.from(frames[i]).toString('hex'));
    });
    // A talk spurt after silence gets the marker again, timestamps keep counting through the silence.
    a.skipMedia(800);
    a.sendMedia(frames[0]);
    await waitFor(() => rec.got.length === 21, 'packet 21');
    assert.equal(rec.got[20].marker, true);
    assert.equal(rec.got[20].ts, (0xffffff00 + 20 * 160 + 800) >>> 0);
    assert.equal(a.stats.packetsSent, 21);
    assert.equal(a.stats.octetsSent, 21 * 160);
    assert.equal(b.stats.packetsReceived, 21);
    assert.equal(b.stats.octetsReceived, 21 * 160);
    assert.equal(b.stats.cumulativeLost, 0);
    assert.equal(b.stats.extendedHighestSequence, 65536 + 14);
    // B latched to A's source address, so B can answer without having been told where A is.
    assert.equal(b.remoteEndpoint?.port, a.localPort);
  } finally {
    a.close();
    b.close();
  }
});

test('latching: a caller behind NAT is answered at its observed address; relatching needs several packets', async () => {
  const decoy = await rawSocket(); // where the SDP said the caller is
  const caller = await rawSocket(); // where its packets really come from
  const intruder = await rawSocket();
  const latches: number[] = [];
  const s = await RtpSession.open({
    ...base, remote: { address: LOCAL, port: decoy.address().port }, relatchPackets: 3,
    delegate: { onLatch: (r) => latches.push(r.port) },
  });
  const atCaller: Buffer[] = [];
  const atDecoy: Buffer[] = [];
  const atIntruder: Buffer[] = [];
  caller.on('message', (m) => atCaller.push(m));
  decoy.on('message', (m) => atDecoy.push(m));
  intruder.on('message', (m) => atIntruder.push(m));
  const pkt = (seq: number): Buffer => {
    const p = new RtpPacket();
    p.payloadType = 0; p.sequenceNumber = seq; p.timestamp = seq * 160; p.ssrc = 77;
    p.setPayload(new Uint8Array(160));
    return Buffer.from(p.serialize());
  };
  try {
    caller.send(pkt(1), s.localPort, LOCAL);
    await waitFor(() => s.stats.packetsReceived === 1, 'first packet');
    assert.deepEqual(latches, [caller.address().port]);
    s.sendMedia(new Uint8Array(160));
    await waitFor(() => atCaller.length === 1, 'media at the caller');
    // Two packets from elsewhere neither move the stream nor get delivered (no foreign media injection)…
    intruder.send(pkt(2), s.localPort, LOCAL);
    intruder.send(pkt(3), s.localPort, LOCAL);
    await waitFor(() => s.stats.foreignPackets === 2, 'intruder packets');
    assert.equal(s.stats.packetsReceived, 1);
    s.sendMedia(new Uint8Array(160));
    await waitFor(() => atCaller.length === 2, 'media still at the caller');
    // …a third in a row does: the source moved (a NAT rebinding looks like this).
    intruder.send(pkt(4), s.localPort, LOCAL);
    await waitFor(() => s.stats.packetsReceived === 2, 'third intruder packet');
    assert.deepEqual(latches, [caller.address().port, intruder.address().port]);
    s.sendMedia(new Uint8Array(160));
    await waitFor(() => atIntruder.length === 1, 'media moved');
    assert.equal(atDecoy.length, 0);
    // Garbage is counted, not delivered.
    caller.send(Buffer.from([1, 2, 3]), s.localPort, LOCAL);
    await waitFor(() => (s.stats.malformed.truncated ?? 0) === 1, 'malformed counter');
  } finally {
    s.close();
    for (const sock of [decoy, caller, intruder]) sock.close();
  }
});

test('connected send: media leaves from the session port before and after connecting, follows relatching, survives ICMP', async () => {
  for (const connectedSend of [true, false]) {
    const peerA = await rawSocket();
    const peerB = await rawSocket();
    const gone = await rawSocket();
    const gonePort = gone.address().port;
    gone.close(); // nothing listens there any more: the kernel answers with ICMP port unreachable
    const errors: string[] = [];
    const s = await RtpSession.open({
      ...base, connectedSend, remote: { address: LOCAL, port: peerA.address().port }, relatchPackets: 2,
      logger: pino({ level: 'warn' }, { write: (line: string) => { errors.push(line); } }),
    });
    const from = (sock: Socket): number[] => {
      const ports: number[] = [];
      sock.on('message', (_m, rinfo) => ports.push(rinfo.port));
      return ports;
    };
    const atA = from(peerA);
    const atB = from(peerB);
    const pkt = (seq: number): Buffer => {
      const p = new RtpPacket();
      p.payloadType = 0; p.sequenceNumber = seq; p.timestamp = seq * 160; p.ssrc = 99;
      p.setPayload(new Uint8Array(160));
      return Buffer.from(p.serialize());
    };
    try {
      // Sent before the connect completed (it completes on the next tick): unconnected, from the session's port.
      assert.equal(s.sendMedia(new Uint8Array(160)), true);
      await waitFor(() => s.connectedRemote !== undefined || !connectedSend, 'connected');
      assert.equal(s.connectedRemote?.port, connectedSend ? peerA.address().port : undefined);
      s.sendMedia(new Uint8Array(160));
      await waitFor(() => atA.length === 2, 'two packets at A');
      assert.deepEqual(atA, [s.localPort, s.localPort], 'symmetric RTP: one source port whichever socket sends');
      // The connected peer's packets arrive (on the connected socket), and so do another source's (on the other).
      peerA.send(pkt(1), s.localPort, LOCAL);
      await waitFor(() => s.stats.packetsReceived === 1, 'packet from A');
      peerB.send(pkt(2), s.localPort, LOCAL);
      await waitFor(() => s.stats.foreignPackets === 1, 'foreign packet from B');
      peerB.send(pkt(3), s.localPort, LOCAL);
      await waitFor(() => s.stats.packetsReceived === 2, 'relatched to B');
      await waitFor(() => s.connectedRemote?.port === peerB.address().port || !connectedSend, 'reconnected to B');
      s.sendMedia(new Uint8Array(160));
      await waitFor(() => atB.length === 1, 'media at B');
      assert.deepEqual(atB, [s.localPort]);
      // A, no longer connected, still gets through to the session (as foreign until it relatches).
      peerA.send(pkt(4), s.localPort, LOCAL);
      await waitFor(() => s.stats.foreignPackets === 2, 'A now foreign');
      // A peer port that is gone: the ICMP errors the connected socket reports break nothing.
      s.setRemote({ address: LOCAL, port: gonePort });
      for (let i = 0; i < 5; i++) {
        s.sendMedia(new Uint8Array(160));
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(s.connectedRemote?.port, connectedSend ? gonePort : undefined);
      peerB.send(pkt(5), s.localPort, LOCAL);
      await waitFor(() => s.stats.packetsReceived === 3, 'media still received');
      assert.deepEqual(errors, []);
      // An unusable remote (port 0: a rejected stream) neither throws nor connects.
      s.setRemote({ address: LOCAL, port: 0 });
      assert.equal(s.connectedRemote, undefined);
      // The port is still the session's alone for any socket that does not itself ask to share it.
      const squatter = createSocket('udp4');
      const bound = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        squatter.once('error', (err) => resolve(err));
        squatter.bind(s.localPort, LOCAL, () => resolve(null));
      });
      squatter.close();
      assert.equal(bound?.code, 'EADDRINUSE');
    } finally {
      s.close();
      peerA.close();
      peerB.close();
    }
    assert.equal(s.connectedRemote, undefined);
  }
});

test('port allocation from a range: even RTP port, RTCP on RTP+1, busy ports skipped, close releases synchronously', async () => {
  // Below the kernel's ephemeral range (32768-60999 here), so no ephemeral socket of another test can sit in it.
  const min = 10000 + 16 * Math.floor(Math.random() * 600);
  const allocator = new PortAllocator({ min, max: min + 7 });
  // Someone else holds the first pair's RTCP port.
  const squatter = createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(min + 1, LOCAL, () => r()));
  const sessions: RtpSession[] = [];
  try {
    for (let i = 0; i < 3; i++) sessions.push(await RtpSession.open({ ...base, allocator }));
    const ports = sessions.map((s) => s.localPort);
    assert.ok(ports.every((p) => p % 2 === 0 && p >= min && p <= min + 7));
    assert.ok(!ports.includes(min), 'the pair whose RTCP port was busy is skipped');
    assert.deepEqual(sessions.map((s) => s.localRtcpPort), ports.map((p) => p + 1));
    await assert.rejects(RtpSession.open({ ...base, allocator }), /no free RTP port/);
    sessions[0].close();
    sessions[0].close(); // idempotent
    assert.equal(sessions[0].isClosed, true);
    assert.equal(allocator.isAllocated(ports[0]), false);
    assert.equal(sessions[0].sendMedia(new Uint8Array(1)), false);
    // The released pair can be bound again right away.
    const again = await RtpSession.open({ ...base, allocator });
    sessions.push(again);
    assert.equal(again.localPort, ports[0]);
    const mux = new PortAllocator({ min: min + 100, max: min + 101 });
    const m = await RtpSession.open({ ...base, allocator: mux, rtcpMux: true });
    sessions.push(m);
    assert.equal(m.localRtcpPort, m.localPort);
  } finally {
    for (const s of sessions) s.close();
    squatter.close();
  }
});

test('RTCP: SR from the sender, RR with loss and jitter from the receiver, CNAME, BYE on close (rtcp-mux and not)', async () => {
  for (const rtcpMux of [true, false]) {
    const atA: RtcpCompound[] = [];
    const atB: RtcpCompound[] = [];
    let byes = 0;
    const b = await RtpSession.open({ ...base, rtcpMux, cname: 'b@test', delegate: { onRtcp: (c) => atB.push(c), onBye: () => { byes++; } } });
    const a = await RtpSession.open({
      ...base, rtcpMux, cname: 'a@test', remote: { address: LOCAL, port: b.localPort }, remoteRtcpPort: b.localRtcpPort,
      delegate: { onRtcp: (c) => atA.push(c) },
    });
    b.setRemote({ address: LOCAL, port: a.localPort }, a.localRtcpPort);
    try {
      for (let i = 0; i < 10; i++) a.sendMedia(new Uint8Array(160));
      await waitFor(() => b.stats.packetsReceived === 10, 'media');
      assert.equal(a.sendRtcp(), true);
      await waitFor(() => atB.length === 1, 'SR at B');
      const sr = atB[0].packets[0];
      assert.ok(sr instanceof RtcpSenderReport);
      assert.equal(sr.ssrc, a.ssrc);
      assert.equal(sr.packetCount, 10);
      assert.equal(sr.octetCount, 1600);
      assert.equal(atB[0].isStrictlyValid, true);
      assert.equal(b.sendRtcp(), true);
      await waitFor(() => atA.length === 1, 'RR at A');
      const rr = atA[0].packets[0];
      assert.ok(rr instanceof RtcpReceiverReport, 'B sent nothing, so it reports with an RR');
      assert.equal(rr.reports.length, 1);
      assert.equal(rr.reports[0].ssrc, a.ssrc);
      assert.equal(rr.reports[0].cumulativeLost, 0);
      assert.equal(rr.reports[0].lastSr, sr.compactNtp, 'LSR echoes the SR');
      assert.equal(a.stats.remoteReport?.extendedHighestSequence, b.stats.extendedHighestSequence);
      a.close();
      await waitFor(() => byes === 1, 'BYE');
    } finally {
      a.close();
      b.close();
    }
  }
});

test('sender report: the RTP timestamp of the report time, from the last packet sent; SSRC and timestamps of 2^31 and up; RR once nothing was sent since', async () => {
  const { FakeClock } = await import('../../../src/core/index.js');
  const fake = new FakeClock();
  const rec = recorder();
  const b = await RtpSession.open({ ...base, delegate: { onPacket: rec.onPacket } });
  const a = await RtpSession.open({
    ...base, clock: fake, remote: { address: LOCAL, port: b.localPort }, remoteRtcpPort: b.localRtcpPort, ssrc: 0xfedcba98,
    initialTimestamp: 0xffffff60,
  });
  const sr = (): RtcpSenderReport => {
    const packet = a.buildRtcp().packets[0];
    assert.ok(packet instanceof RtcpSenderReport);
    return packet;
  };
  try {
    assert.equal(a.ssrc, 0xfedcba98);
    a.sendMedia(new Uint8Array(160));
    fake.advance(20);
    a.sendMedia(new Uint8Array(160));
    assert.equal(a.currentTimestamp, 160, 'wrapped past 2^32');
    fake.advance(50);
    // §6.4.1: 50 ms (400 samples at 8 kHz) after the packet with timestamp 0.
    assert.equal(sr().rtpTimestamp, 400);
    assert.equal(sr().ssrc, 0xfedcba98);
    assert.equal(sr().ntpMsw, Math.floor(fake.now() / 1000) + 2208988800);
    a.resumeTimestampAt(0x80000000);
    a.sendMedia(new Uint8Array(160));
    fake.advance(10);
    assert.equal(sr().rtpTimestamp, 0x80000050);
    // §6.4: a report after one that went out with no media sent in between is an RR.
    assert.equal(a.sendRtcp(), true);
    assert.ok(a.buildRtcp().packets[0] instanceof RtcpReceiverReport);
    await waitFor(() => rec.got.length === 3, 'three packets');
    assert.deepEqual(rec.got.map((g) => g.ts), [0xffffff60, 0, 0x80000000]);
    assert.ok(rec.got.every((g) => g.ssrc === 0xfedcba98));
  } finally {
    a.close();
    b.close();
  }
});

test('RTCP reports loss measured from a sender that skips sequence numbers', async () => {
  const s = await RtpSession.open(base);
  const raw = await rawSocket();
  try {
    const p = new RtpPacket();
    p.ssrc = 5;
    p.setPayload(new Uint8Array(160));
    let sent = 0;
    for (let seq = 100; seq < 200; seq++) {
      if (seq % 10 === 5) continue; // 10 % loss
      p.sequenceNumber = seq; p.timestamp = seq * 160;
      raw.send(p.serialize(), s.localPort, LOCAL);
      sent++;
    }
    await waitFor(() => s.stats.packetsReceived === sent, 'all packets');
    assert.equal(s.stats.cumulativeLost, 10);
    const compound = s.buildRtcp();
    const rr = compound.packets[0];
    assert.ok(rr instanceof RtcpReceiverReport);
    assert.equal(rr.reports[0].cumulativeLost, 10);
    assert.equal(rr.reports[0].fractionLost, Math.floor((10 * 256) / 99));
    assert.ok(Math.abs(s.stats.fractionLost - 0.1) < 0.01);
  } finally {
    s.close();
    raw.close();
  }
});

test('datagrams that Node queues instead of sending within send() keep their bytes while later packets are written', () => {
  // The probe runs with --test-udp-no-try-send: every datagram waits in libuv's queue, as behind a full send buffer.
  const out = execFileSync(process.execPath, ['--test-udp-no-try-send', '--import', 'tsx', join(import.meta.dirname, 'queued-send-probe.ts')], {
    cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8', timeout: 60_000,
  });
  const received = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, Record<string, number>>;
  for (const ssrc of [1, 2]) {
    const expected = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [String(i), ssrc * 100 + i]));
    assert.deepEqual(received[ssrc], expected, `session ${ssrc}: every sequence number with its own frame`);
  }
});

test('DTMF on the wire: the SIPp RFC 2833 captures replayed into a session decode to their digits', async () => {
  const digits: DtmfEvent[] = [];
  const audio: number[] = [];
  const s = await RtpSession.open({
    ...base, telephoneEventPayloadType: 101,
    delegate: { onDtmf: (e) => digits.push(e), onPacket: (p) => audio.push(p.payloadType) },
  });
  const raw = await rawSocket();
  try {
    // The captures come from one call; replay them in RTP timestamp order (dtmf_2833_0.pcap was recorded after '1').
    const captures = SIPP_DTMF_CAPTURES.map(([file, digit]) => ({ digit, packets: readPcapUdp(join(SIPP_DIR, file)) }))
      .sort((x, y) => Buffer.from(x.packets[0].payload).readUInt32BE(4) - Buffer.from(y.packets[0].payload).readUInt32BE(4));
    let expected = '';
    for (const { digit, packets } of captures) {
      for (const d of packets) raw.send(d.payload, s.localPort, LOCAL);
      expected += digit;
      await waitFor(() => digits.length === expected.length, `digit ${digit}`);
    }
    assert.equal(digits.map((d) => d.digit).join(''), expected);
    assert.ok(digits.every((d) => d.endSeen && d.durationMs === 280));
    assert.equal(audio.length, 0, 'telephone-events are not delivered as media');
  } finally {
    s.close();
    raw.close();
  }
});

test('DTMF sent by a session (DtmfSender over sendTelephoneEvent) is received by another', async () => {
  const { DtmfSender } = await import('../../../src/media/dtmf/index.js');
  const digits: string[] = [];
  const b = await RtpSession.open({ ...base, delegate: { onDtmf: (e) => digits.push(e.digit ?? '?') } });
  const a = await RtpSession.open({ ...base, remote: { address: LOCAL, port: b.localPort } });
  try {
    const sender = new DtmfSender(a, { toneMs: 60, gapMs: 20 });
    const done = sender.send('*42#');
    const frame = new Uint8Array(160).fill(0xff);
    while (sender.busy) {
      if (sender.tick()) a.skipMedia(160);
      else a.sendMedia(frame);
    }
    await done;
    await waitFor(() => digits.length === 4, 'four digits');
    assert.equal(digits.join(''), '*42#');
  } finally {
    a.close();
    b.close();
  }
});

test('in-band DTMF: a peer without telephone-event plays tones in its PCMA audio; the session reports the digits', async () => {
  const { DtmfToneGenerator } = await import('../../../src/media/dtmf/index.js');
  const { alawEncode } = await import('../../../src/media/codec/index.js');
  const digits: string[] = [];
  const b = await RtpSession.open({
    ...base, payloadType: 8, telephoneEventPayloadType: null, delegate: { onDtmf: (e) => digits.push(e.digit ?? '?') },
  });
  const a = await RtpSession.open({ ...base, payloadType: 8, telephoneEventPayloadType: null, remote: { address: LOCAL, port: b.localPort } });
  try {
    const gen = new DtmfToneGenerator('19#', { toneMs: 80, gapMs: 80 });
    const pcm = new Int16Array(160);
    const frame = new Uint8Array(160);
    let frames = 0;
    for (;;) {
      const n = gen.fill(pcm);
      if (n === 0) break;
      pcm.fill(0, n);
      alawEncode(pcm, frame);
      a.sendMedia(frame);
      if (++frames % 10 === 0) await waitFor(() => b.stats.packetsReceived === frames, `frame ${frames}`);
    }
    for (let i = 0; i < 5; i++) a.sendMedia(frame.fill(0xd5)); // silence ends the last digit
    await waitFor(() => digits.length === 3, 'three digits');
    assert.equal(digits.join(''), '19#');
  } finally {
    a.close();
    b.close();
  }
});

test('periodic RTCP runs on the injected clock (randomized 0.5-1.5 x interval, RFC 3550 §6.3.1)', async () => {
  const { FakeClock } = await import('../../../src/core/index.js');
  const fake = new FakeClock();
  const reports: RtcpCompound[] = [];
  const b = await RtpSession.open({ ...base, rtcpMux: true, delegate: { onRtcp: (c) => reports.push(c) } });
  const a = await RtpSession.open({
    bindAddress: LOCAL, rtcpMux: true, clock: fake, rtcpIntervalMs: 5000, remote: { address: LOCAL, port: b.localPort },
  });
  try {
    a.sendMedia(new Uint8Array(160));
    fake.advance(2400);
    assert.equal(fake.pendingCount, 1, 'one RTCP timer per session');
    fake.advance(5200); // past 1.5 x 5 s: the first report is out
    await waitFor(() => reports.length >= 1, 'first report');
    assert.ok(reports[0].packets[0] instanceof RtcpSenderReport);
    fake.advance(7600);
    await waitFor(() => reports.length >= 2, 'second report');
    a.close();
    assert.equal(fake.pendingCount, 0, 'close clears the timer');
  } finally {
    a.close();
    b.close();
  }
});

test('inactivity: reported once after the timeout without RTP, again only after media resumed and stopped', async () => {
  const { FakeClock } = await import('../../../src/core/index.js');
  const fake = new FakeClock();
  const silences: number[] = [];
  const s = await RtpSession.open({
    bindAddress: LOCAL, clock: fake, rtcpIntervalMs: 1000, inactivityTimeoutMs: 3000,
    delegate: { onInactive: (ms) => silences.push(ms) },
  });
  const raw = await rawSocket();
  const p = new RtpPacket();
  p.ssrc = 3;
  p.setPayload(new Uint8Array(160));
  try {
    fake.advance(2000);
    assert.equal(silences.length, 0);
    fake.advance(3000);
    assert.equal(silences.length, 1);
    assert.ok(silences[0] >= 3000);
    fake.advance(5000);
    assert.equal(silences.length, 1, 'reported once');
    raw.send(p.serialize(), s.localPort, LOCAL);
    await waitFor(() => s.stats.packetsReceived === 1, 'media');
    fake.advance(1500);
    assert.equal(silences.length, 1);
    fake.advance(4000);
    assert.equal(silences.length, 2);
  } finally {
    s.close();
    raw.close();
  }
});
