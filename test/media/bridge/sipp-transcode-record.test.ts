/**
 * Transcoded audio through the bridge, on the wire with SIPp. A SIPp caller and a SIPp callee set up a call whose
 * media the callee points at leg A of a `MediaBridge` (like sipp-wire.test.ts); the caller replays a real speech
 * capture in one G.711 law; the bridge transcodes it onto leg B in the other law; a `MediaSession` that answered
 * leg B decodes what arrives and a `WavRecorder` records it. The recording is compared with what the caller sent,
 * read from the capture itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../../src/core/index.js';
import { G711Codec, MediaBridge, MediaSession, PlayoutClock, RtpSession, WavRecorder, readPcm16Wav } from '../../../src/media/index.js';
import { spawnSipp } from '../../sip/ua/sipp.js';
import { SIPP, callWithSipp } from '../../voice/e2e/helpers.js';
import { correlationAt, exactOffset } from '../helpers/align.js';
import { decodeG711, rtpPayloadOf, writeSpeechClip } from '../helpers/g711-clip.js';
import { waitFor } from '../helpers/wait.js';

const LOCAL = '127.0.0.1';
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * The bound for "the same speech after transcoding". Each A-law code maps to the μ-law code nearest in value and
 * back (ITU-T G.711 Tables 3 and 4), so a transcoded sample differs from the original by less than one quantization
 * step of the coarser law at that level. Above the first segments that step is at most 1/32 of the magnitude
 * (A→μ: max relative error exactly 1/32 over all 256 codes), so the error power is at most 2^-10 of the signal's
 * and ρ ≥ √(1 − 2^-10) ≈ 0.9995; near zero the steps are 8 and 16 units of 32,768, negligible for speech. On this clip
 * ρ is 0.99988 both ways. One 30 ms packet lost with the rest shifted up brings ρ to 0.974 or less; one replaced
 * by silence, to between 0.945 and 0.9997 depending on its loudness — the quietest would pass any correlation
 * bound, which is why the recording is first compared bit for bit with the standard's conversion.
 */
const TRANSCODED_CORRELATION = 0.999;

function scenario(dir: string, name: string, vars: Record<string, string | number>): string {
  let xml = readFileSync(join(fixtures, name), 'utf8');
  for (const [key, value] of Object.entries(vars)) xml = xml.split(`@${key}@`).join(String(value));
  const file = join(dir, name);
  writeFileSync(file, xml);
  return file;
}

for (const [from, to] of [[G711Codec.PCMA, G711Codec.PCMU], [G711Codec.PCMU, G711Codec.PCMA]] as const) {
  test(`SIPp ${from.name} → bridge → ${to.name} → recorder: the recording is the sent speech, transcoded`, {
    skip: !existsSync(SIPP) && 'SIPp not installed', timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-transcode-'));
    const playout = new PlayoutClock({ clock: new FakeClock(0) });
    const a = await RtpSession.open({ bindAddress: LOCAL, rtcpIntervalMs: 0, payloadType: from.payloadType, telephoneEventPayloadType: 101 });
    const b = await RtpSession.open({ bindAddress: LOCAL, rtcpIntervalMs: 0, payloadType: to.payloadType, telephoneEventPayloadType: 101 });
    const offer = ['v=0', 'o=b 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${b.localPort} RTP/AVP ${to.payloadType}`, `a=rtpmap:${to.payloadType} ${to.name}/8000`, ''].join('\r\n');
    const answered = await MediaSession.answer(offer, { playout, address: LOCAL, bindAddress: LOCAL, rtcpIntervalMs: 0 });
    assert.ok(answered.ok);
    const session = answered.session;
    assert.equal(session.codec, to);
    b.setRemote({ address: LOCAL, port: session.localPort });
    const bridge = new MediaBridge({ session: a, codec: from }, { session: b, codec: to });
    const recorder = await WavRecorder.open({ path: join(dir, 'RE.wav') });
    let recordedFrames = 0;
    session.onAudio((frame) => {
      recorder.write(frame);
      recordedFrames++;
    });
    try {
      assert.equal(bridge.transcoding, true);
      const pcap = writeSpeechClip(dir, from);
      const sent = rtpPayloadOf(pcap);
      assert.equal(sent.payloadType, from.payloadType);

      const vars = { MEDIA_PORT: a.localPort, PT: from.payloadType, CODEC: from.name };
      const uas = await spawnSipp(['-sf', scenario(dir, 'sipp-uas-media-at.xml', vars), '-m', '1', '-timeout', '20'], 25_000);
      const clipMs = (sent.payload.length / 8000) * 1000;
      const uac = await callWithSipp('uac-plays-hangs-up.xml', uas.port, 'bridge', {
        PT: from.payloadType, CODEC: from.name, BEFORE_MS: 100, PCAP: pcap, AFTER_MS: clipMs + 300,
      }, 20_000);
      assert.equal(uac.code, 0, `the SIPp caller completed the call: ${uac.errors}`);
      assert.equal((await uas.done).code, 0, 'the SIPp callee completed the call');
      await waitFor(() => recordedFrames * 160 >= sent.payload.length, 'every frame recorded');

      const stats = bridge.stats().aToB;
      assert.equal(stats.transcoded, sent.packets);
      assert.equal(stats.dropped, 0);
      const wav = readPcm16Wav(readFileSync((await recorder.stop()).path));
      const recorded = new Int16Array(wav.data.length / 2);
      for (let i = 0; i < recorded.length; i++) recorded[i] = wav.data.readInt16LE(i * 2);

      // Exactly the G.711 conversion of what was sent, nothing missing or added (the tables are the standard's) …
      const table = from.transcodeTableTo(to)!;
      const transcoded = decodeG711(to, sent.payload.map((code) => table[code]));
      const at = exactOffset(transcoded, recorded);
      assert.ok(at >= 0, `the transcoded audio is in the recording bit-exactly (${recorded.length} samples for ${transcoded.length})`);
      assert.equal(recorded.length, transcoded.length, 'nothing before or after it');
      // … and that is still the caller's speech.
      const said = decodeG711(from, sent.payload);
      const correlation = correlationAt(said, recorded, at);
      assert.ok(correlation >= TRANSCODED_CORRELATION, `correlation with the sent speech ${correlation.toFixed(5)}`);
    } finally {
      bridge.close();
      session.close();
      a.close();
      b.close();
      playout.close();
      await recorder.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
