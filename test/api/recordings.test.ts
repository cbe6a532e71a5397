/**
 * Recording media as MP3 (reference §1.2: the media URL serves WAV, `.mp3` appended serves MP3). The rendition is
 * made on the first request, kept beside the WAV and deleted with the recording. The MP3 is decoded with the
 * project's own decoder and compared with the WAV's samples.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { newSid } from '../../src/core/index.js';
import { decodeMp3, wavHeader } from '../../src/media/index.js';
import { dialectsUnderTest } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bestAlignment } from '../media/helpers/align.js';
import { speechLike } from '../media/helpers/signals.js';

/** LAME's encoder delay (576) plus mpg123's decoder delay (529), in samples at 8 kHz. */
const CODEC_DELAY = 1105;
/** Samples in one MPEG-2.5 Layer III frame; the encoder pads the end to whole frames. */
const FRAME = 576;

function wavOf(channels: Int16Array[]): Buffer {
  const n = channels[0].length;
  const data = Buffer.alloc(n * 2 * channels.length);
  for (let i = 0; i < n; i++) channels.forEach((c, k) => data.writeInt16LE(c[i], (i * channels.length + k) * 2));
  return Buffer.concat([wavHeader(channels.length, 8000, data.length), data]);
}

/** Both channels of a stereo MP3 (the project's `decodeMp3` mixes them down for playback). */
async function decodeChannels(mp3: Uint8Array): Promise<{ sampleRate: number; channels: Float32Array[] }> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const out = decoder.decode(mp3);
    return { sampleRate: out.sampleRate, channels: out.channelData.map((c) => c.subarray(0, out.samplesDecoded)) };
  } finally {
    decoder.free();
  }
}

for (const dialect of await dialectsUnderTest()) {
  describe(`Recording media as MP3 on ${dialect.name}`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({}, await dialect.create());
    });
    after(async () => {
      await t.close();
    });

    async function makeRecording(channels: Int16Array[]): Promise<{ sid: string; mediaUrl: string; dir: string }> {
      const sid = newSid('RE');
      const dir = path.join(t.database.dataDir, 'recordings');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${sid}.wav`), wavOf(channels));
      await t.server.store.recordings.create({
        sid, accountSid: t.accountSid, callSid: newSid('CA'), conferenceSid: null, startTime: 1_000,
        duration: Math.round(channels[0].length / 8000), status: 'completed', channels: channels.length, source: 'RecordVerb',
        errorCode: null, track: 'both', price: null, priceUnit: 'USD', mediaPath: path.join('recordings', `${sid}.wav`),
        dateCreated: 1_000, dateUpdated: 1_000,
      });
      const rec = await t.client().recordings(sid).fetch();
      return { sid, mediaUrl: rec.mediaUrl, dir };
    }

    it('serves a mono recording as audio/mpeg that decodes to the WAV audio; concurrent first requests agree', async () => {
      const speech = speechLike(3 * 8000, 11);
      const { sid, mediaUrl, dir } = await makeRecording([speech]);
      assert.equal(existsSync(path.join(dir, `${sid}.mp3`)), false, 'nothing is encoded before it is asked for');

      const responses = await Promise.all([1, 2, 3].map(() => fetch(`${mediaUrl}.mp3`)));
      const bodies: Buffer[] = [];
      for (const r of responses) {
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'audio/mpeg');
        const body = Buffer.from(await r.arrayBuffer());
        assert.equal(Number(r.headers.get('content-length')), body.length);
        bodies.push(body);
      }
      assert.deepEqual(bodies[1], bodies[0]);
      assert.deepEqual(bodies[2], bodies[0]);
      assert.equal(statSync(path.join(dir, `${sid}.mp3`)).size, bodies[0].length, 'the rendition is stored beside the WAV');
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`.${sid}`)), [], 'no temporary file left');

      assert.equal(bodies[0][3] >> 6, 3, 'the first frame header says single channel');
      const decoded = await decodeMp3(bodies[0]);
      assert.equal(decoded.sampleRate, 8000);
      const mono = decoded.samples;
      // Duration: the WAV's samples, shifted by the codec delay, and at most one frame of end padding.
      const padding = mono.length - CODEC_DELAY - speech.length;
      assert.ok(padding >= 0 && padding < FRAME, `decoded ${mono.length} samples for ${speech.length}`);
      const sent = Float32Array.from(speech, (v) => v / 32768);
      const { lag, correlation } = bestAlignment(sent, mono, 0, CODEC_DELAY + FRAME);
      assert.equal(lag, CODEC_DELAY);
      assert.ok(correlation > 0.99, `correlation with the WAV ${correlation.toFixed(4)}`);

      // The WAV is still served as before.
      const wav = await fetch(mediaUrl);
      assert.equal(wav.headers.get('content-type'), 'audio/x-wav');
    });

    it('serves a dual-channel recording as stereo MP3, each channel its own leg', async () => {
      const first = speechLike(2 * 8000, 5);
      const second = Int16Array.from({ length: 2 * 8000 }, (_, i) => Math.round(5000 * Math.sin((2 * Math.PI * 620 * i) / 8000)));
      const { mediaUrl } = await makeRecording([first, second]);
      const r = await fetch(`${mediaUrl}.mp3`);
      assert.equal(r.status, 200);
      const mp3 = new Uint8Array(await r.arrayBuffer());
      assert.notEqual(mp3[3] >> 6, 3, 'the first frame header says two channels');
      const decoded = await decodeChannels(mp3);
      for (const [k, sent] of [first, second].entries()) {
        const { lag, correlation } = bestAlignment(Float32Array.from(sent, (v) => v / 32768), decoded.channels[k], 0, CODEC_DELAY + FRAME);
        assert.equal(lag, CODEC_DELAY, `channel ${k + 1}`);
        assert.ok(correlation > 0.99, `channel ${k + 1}: correlation ${correlation.toFixed(4)}`);
      }
    });

    it('deleting the recording deletes the WAV and the MP3; the media is then 404', async () => {
      const { sid, mediaUrl, dir } = await makeRecording([speechLike(8000, 2)]);
      assert.equal((await fetch(`${mediaUrl}.mp3`)).status, 200);
      assert.equal(existsSync(path.join(dir, `${sid}.mp3`)), true);
      assert.equal(await t.client().recordings(sid).remove(), true);
      assert.equal(existsSync(path.join(dir, `${sid}.wav`)), false);
      assert.equal(existsSync(path.join(dir, `${sid}.mp3`)), false);
      for (const suffix of ['', '.wav', '.mp3']) {
        const gone = await fetch(mediaUrl + suffix);
        assert.equal(gone.status, 404, suffix);
        assert.equal(((await gone.json()) as { code: number }).code, 20404);
      }
    });

    it('answers 404 for the MP3 of an unknown recording or one whose WAV is missing', async () => {
      const unknown = `${t.server.publicUrl}/2010-04-01/Accounts/${t.accountSid}/Recordings/${newSid('RE')}.mp3`;
      assert.equal((await fetch(unknown)).status, 404);
      const { sid, mediaUrl, dir } = await makeRecording([speechLike(800, 4)]);
      rmSync(path.join(dir, `${sid}.wav`));
      assert.equal((await fetch(`${mediaUrl}.mp3`)).status, 404);
      assert.equal(existsSync(path.join(dir, `${sid}.mp3`)), false);
    });
  });
}
