/**
 * `detectAnsweringMachine` without sockets: a fake media session hands it 20 ms frames, a fake clock moves time.
 * What the wire tests cannot pin down exactly: a far end that sends no RTP is silence by the clock, the silent frames
 * a session inserts afterwards for the same gap are not counted twice, and a call that ends stops detection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import type { AudioListener } from '../../../src/media/index.js';
import { detectAnsweringMachine } from '../../../src/voice/index.js';
import { speechLike } from '../../media/helpers/signals.js';

const REQUEST = {
  mode: 'Enable', timeoutSeconds: 30, speechThresholdMs: 2400, speechEndThresholdMs: 1200, silenceTimeoutMs: 2000, callback: null,
} as const;

class FakeMedia {
  readonly listeners = new Set<AudioListener>();
  readonly isClosed = false;
  onAudio(listener: AudioListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** One 20 ms frame per 20 ms of clock from `pcm`. */
  play(clock: FakeClock, pcm: Int16Array): void {
    for (let at = 0; at + 160 <= pcm.length; at += 160) {
      clock.advance(20);
      for (const l of this.listeners) l(pcm.subarray(at, at + 160));
    }
  }
}

describe('detectAnsweringMachine', () => {
  it('no RTP at all: the clock supplies the silence, unknown at the silence timeout', async () => {
    const clock = new FakeClock();
    const media = new FakeMedia();
    const result = detectAnsweringMachine(media, REQUEST, clock, new AbortController().signal);
    clock.advance(2600);
    const decision = await result;
    assert.equal(decision?.answeredBy, 'unknown');
    assert.ok(decision!.durationMs >= 2000 && decision!.durationMs <= 2100, `${decision!.durationMs} ms`);
    assert.equal(media.listeners.size, 0, 'unsubscribed');
    assert.equal(clock.pendingCount, 0, 'no timer left');
  });

  it("audio after a gap without packets: the gap counts once, the session's filler frames for it are skipped", async () => {
    const clock = new FakeClock();
    const media = new FakeMedia();
    const began = clock.now();
    const result = detectAnsweringMachine(media, { ...REQUEST, speechEndThresholdMs: 2000 }, clock, new AbortController().signal);
    media.play(clock, speechLike(8 * 600));
    clock.advance(1000); // no packets: the detector hears this second as silence from the clock
    // Packets resume; the session first fills the timestamp gap with a second of silent frames, all at once.
    for (let i = 0; i < 50; i++) for (const l of media.listeners) l(new Int16Array(160));
    // Then quiet (not silent) audio, one frame per 20 ms, until the detector decides.
    let decidedAt = -1;
    for (let i = 0; i < 200 && decidedAt < 0; i++) {
      media.play(clock, new Int16Array(160).fill(1));
      if (media.listeners.size === 0) decidedAt = clock.now() - began;
    }
    const decision = await result;
    assert.equal(decision?.answeredBy, 'human');
    // The speech ended 600 ms in; the speech-end silence of 2 s passes on the clock at about 2.6 s, not a second
    // early, as it would if the gap were counted twice.
    assert.ok(decidedAt >= 2500 && decidedAt <= 2700, `decided ${decidedAt} ms after the answer`);
    assert.ok(Math.abs(decision!.durationMs - decidedAt) <= 100, `MachineDetectionDuration ${decision!.durationMs}, clock ${decidedAt}`);
  });

  it('the call ending first resolves null and leaves nothing behind', async () => {
    const clock = new FakeClock();
    const media = new FakeMedia();
    const ended = new AbortController();
    const result = detectAnsweringMachine(media, REQUEST, clock, ended.signal);
    media.play(clock, speechLike(8 * 400));
    ended.abort();
    assert.equal(await result, null);
    assert.equal(media.listeners.size, 0);
    assert.equal(clock.pendingCount, 0);
    assert.equal(await detectAnsweringMachine(media, REQUEST, clock, ended.signal), null, 'an ended call does not start');
  });
});
