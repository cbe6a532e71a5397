/**
 * What a caller says is what the recording holds. SIPp calls a number of the full server and replays a real G.711
 * speech capture into a `<Record>`; the WAV served at the recording's media URL must hold, sample for sample, the
 * capture's RTP payloads decoded with the project's G.711 codec. Only where the audio starts and ends in the
 * recording may differ (the recording starts before the first packet arrives), so a dropped, repeated or
 * reordered packet, a gap, or a wrong law fails the comparison.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { G711Codec, readPcm16Wav } from '../../../src/media/index.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { bestAlignment, exactOffset } from '../../media/helpers/align.js';
import { decodeG711, rtpPayloadOf, writeSpeechClip } from '../../media/helpers/g711-clip.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('received G.711 audio recorded through a full call', { skip, timeout: 60_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let dir: string;

  before(async () => {
    t = await startTestServer();
    app = await startAppServer(t.authToken);
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-fidelity-'));
  });
  after(async () => {
    await app?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [codec, number] of [[G711Codec.PCMU, '+15005550121'], [G711Codec.PCMA, '+15005550122']] as const) {
    it(`${codec.name}: the recording holds the sent payload decoded, bit-exact`, async () => {
      const route = `/fidelity-${codec.name}`;
      app.route(`${route}/voice`, () => {
        const r = twiml();
        r.record({ playBeep: false, trim: 'do-not-trim', timeout: 10, maxLength: 30, action: `${route}/done` });
        return r.toString();
      });
      app.route(`${route}/done`, () => twiml().toString());
      await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url(`${route}/voice`), voiceMethod: 'POST' });

      const pcap = writeSpeechClip(dir, codec);
      const sent = rtpPayloadOf(pcap);
      assert.equal(sent.payloadType, codec.payloadType);
      // The session hands the recorder whole 20 ms frames, so the clip is a whole number of them (40 × 30 ms).
      assert.equal(sent.payload.length % 160, 0);
      const clipMs = (sent.payload.length / 8000) * 1000;

      const sipp = await callWithSipp('uac-plays-hangs-up.xml', t.server.sip.udp!.port, number, {
        PT: codec.payloadType, CODEC: codec.name, BEFORE_MS: 300, PCAP: pcap, AFTER_MS: clipMs + 700,
      });
      assert.equal(sipp.code, 0, `SIPp completed the call: ${sipp.errors}`);

      const done = await eventually(() => app.seen(`${route}/done`)[0], 'the Record action');
      assert.equal(done.params.Digits, 'hangup');
      const recording = await t.client().recordings(done.params.RecordingSid).fetch();
      assert.equal(recording.status, 'completed');
      const wav = readPcm16Wav(Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer()));
      assert.equal(wav.sampleRate, 8000);
      assert.equal(wav.channels, 1);
      const recorded = new Int16Array(wav.data.length / 2);
      for (let i = 0; i < recorded.length; i++) recorded[i] = wav.data.readInt16LE(i * 2);

      const expected = decodeG711(codec, sent.payload);
      const at = exactOffset(expected, recorded);
      if (at < 0) {
        const half = expected.length >> 1; // lags with at least half the clip overlapping, for a meaningful figure
        const best = bestAlignment(expected, recorded, -half, recorded.length - half);
        assert.fail(`the sent audio is not in the recording bit-exactly (${recorded.length} samples recorded, ` +
          `${expected.length} sent; best correlation ${best.correlation.toFixed(4)} at lag ${best.lag})`);
      }
      // Before and after the clip the caller sent nothing: the recording holds no other sound.
      const outside = [...recorded.subarray(0, at), ...recorded.subarray(at + expected.length)];
      assert.ok(outside.every((v) => Math.abs(v) < 64), 'only silence around the clip');
    });
  }
});
