/**
 * Run by rtp-session.test.ts under `node --test-udp-no-try-send`, which makes Node queue datagrams in libuv instead of
 * handing them to the kernel within `send` (as when the kernel's send buffer is full), so that the bytes are read
 * after `send` returned. Two sessions, connected and not, send frames back to back, interleaved; prints, as JSON, the
 * payload byte each sequence number arrived with per session.
 */
import { createSocket } from 'node:dgram';
import { RtpSession, RtpPacket } from '../../../src/media/rtp/index.js';

const LOCAL = '127.0.0.1';
const FRAMES = 20;

const sink = createSocket('udp4');
await new Promise<void>((r) => sink.bind(0, LOCAL, () => r()));
const remote = { address: LOCAL, port: sink.address().port };
const sessions = [
  await RtpSession.open({ bindAddress: LOCAL, rtcpIntervalMs: 0, remote, ssrc: 1, initialSequence: 0 }),
  await RtpSession.open({ bindAddress: LOCAL, rtcpIntervalMs: 0, remote, ssrc: 2, initialSequence: 0, connectedSend: false }),
];
while (sessions[0].connectedRemote === undefined) await new Promise((r) => setTimeout(r, 1));

const received: Record<number, Record<number, number>> = { 1: {}, 2: {} };
let count = 0;
const done = new Promise<void>((resolve) => {
  const p = new RtpPacket();
  sink.on('message', (msg) => {
    if (p.decode(msg) !== null) return;
    received[p.ssrc][p.sequenceNumber] = p.buffer[p.payloadOffset];
    if (++count === FRAMES * sessions.length) resolve();
  });
});
for (let i = 0; i < FRAMES; i++) {
  for (const s of sessions) s.sendMedia(new Uint8Array(160).fill(s.ssrc * 100 + i));
}
await done;
for (const s of sessions) s.close();
sink.close();
console.log(JSON.stringify(received));
