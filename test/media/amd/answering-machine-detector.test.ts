/**
 * The answering machine detector on synthesized signals (silence, voiced-speech imitations, tones, noise) and on
 * espeak-ng speech through G.711: each of Twilio's outcomes, its timing against the thresholds, and what must not
 * fool it (line noise, clicks, chunking, gaps without packets).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type AmdDecision, AnsweringMachineDetector, type AnsweringMachineDetectorOptions } from '../../../src/media/index.js';
import { GREETING, HELLO, concat, silence, speak, throughG711, tone } from '../helpers/amd-audio.js';
import { addNoise, speechLike } from '../helpers/signals.js';

/** Feeds `pcm` in `chunk`-sample pieces, then silence until a decision (at most a minute). */
function detect(pcm: Int16Array, options: AnsweringMachineDetectorOptions = {}, chunk = 160): AmdDecision {
  const d = new AnsweringMachineDetector(options);
  for (let at = 0; at < pcm.length && d.decision === null; at += chunk) d.process(pcm, Math.min(chunk, pcm.length - at), at);
  const decision = d.decision ?? d.silence(60_000);
  assert.ok(decision, 'a decision');
  return decision;
}

const near = (actual: number, expected: number, slack = 60) =>
  assert.ok(Math.abs(actual - expected) <= slack, `${actual} ms, expected about ${expected} ms`);

describe('answering machine detector: synthesized audio', () => {
  it('silence from the answer is unknown once the silence timeout passes', () => {
    const r = detect(silence(8000));
    assert.deepEqual(r, { answeredBy: 'unknown', reason: 'initial-silence', durationMs: 5000 });
    assert.equal(detect(silence(3000), { silenceTimeoutMs: 2000 }).durationMs, 2000);
  });

  it('short speech followed by the speech-end silence is a human', () => {
    const r = detect(concat(silence(400), speechLike(8 * 800), silence(3000)));
    assert.equal(r.answeredBy, 'human');
    assert.equal(r.reason, 'short-speech');
    near(r.durationMs, 400 + 800 + 1200, 120);
    // A shorter speech-end threshold decides sooner.
    near(detect(concat(silence(400), speechLike(8 * 800), silence(3000)), { speechEndThresholdMs: 500 }).durationMs, 1700, 120);
  });

  it('speech longer than the speech threshold is machine_start, decided as the threshold passes', () => {
    const r = detect(concat(silence(300), speechLike(8 * 6000)));
    assert.equal(r.answeredBy, 'machine_start');
    assert.equal(r.reason, 'long-speech');
    near(r.durationMs, 300 + 2400, 120);
    // The same 1.5 s of speech: a machine at a 1000 ms threshold, a human at the default 2400.
    const speech = concat(silence(300), speechLike(8 * 1500), silence(3000));
    assert.equal(detect(speech, { speechThresholdMs: 1000 }).answeredBy, 'machine_start');
    assert.equal(detect(speech).answeredBy, 'human');
  });

  it('DetectMessageEnd: a greeting then a beep is machine_end_beep, decided as the beep ends', () => {
    const audio = concat(silence(300), speechLike(8 * 4000), silence(500), tone(600, 1000), silence(3000));
    const r = detect(audio, { detectMessageEnd: true });
    assert.equal(r.answeredBy, 'machine_end_beep');
    assert.equal(r.reason, 'beep');
    near(r.durationMs, 300 + 4000 + 500 + 600, 60);
  });

  it('DetectMessageEnd: a greeting then silence is machine_end_silence; a greeting that never ends is machine_end_other', () => {
    const ended = detect(concat(silence(300), speechLike(8 * 4000), silence(5000)), { detectMessageEnd: true });
    assert.equal(ended.answeredBy, 'machine_end_silence');
    near(ended.durationMs, 300 + 4000 + 1200, 120);
    const endless = detect(speechLike(8 * 20_000), { detectMessageEnd: true, timeoutMs: 8000 });
    assert.deepEqual(endless, { answeredBy: 'machine_end_other', reason: 'timeout', durationMs: 8000 });
  });

  it('the detection timeout without any decision is unknown', () => {
    // Speech that goes on past the timeout but under a long speech threshold.
    const r = detect(speechLike(8 * 10_000), { timeoutMs: 4000, speechThresholdMs: 6000 });
    assert.deepEqual(r, { answeredBy: 'unknown', reason: 'timeout', durationMs: 4000 });
  });

  it('fax: a CED answer tone (2100 Hz) or CNG calling tone (1100 Hz) is fax within half a second', () => {
    for (const [hz, audio] of [
      [2100, concat(silence(200), tone(3000, 2100))],
      [1100, concat(silence(200), tone(500, 1100), silence(3000), tone(500, 1100))],
    ] as const) {
      const r = detect(audio);
      assert.equal(r.answeredBy, 'fax', `${hz} Hz`);
      near(r.durationMs, 200 + 400, 60);
    }
    // A CED slightly off frequency is still a fax tone; a tone of another frequency is not.
    assert.equal(detect(concat(silence(200), tone(3000, 2110))).answeredBy, 'fax');
    assert.notEqual(detect(concat(silence(200), tone(3000, 1600))).answeredBy, 'fax');
  });

  it('a beep with no greeting before it is a machine too; short tones and DTMF are not beeps', () => {
    assert.equal(detect(concat(silence(500), tone(400, 800), silence(3000)), { detectMessageEnd: true }).answeredBy, 'machine_end_beep');
    assert.equal(detect(concat(silence(500), tone(400, 800), silence(3000))).answeredBy, 'machine_start');
    // 80 ms is a click of tone, not a beep: treated as a too short noise, then the silence timeout.
    assert.equal(detect(concat(silence(500), tone(80, 800), silence(6000))).answeredBy, 'unknown');
    // A key pressed by a person (two tones, 200 ms) is short speech-like energy, not a single-tone beep.
    const dtmf = new Int16Array(1600);
    for (let n = 0; n < dtmf.length; n++) dtmf[n] = Math.round(4000 * (Math.sin((2 * Math.PI * 770 * n) / 8000) + Math.sin((2 * Math.PI * 1336 * n) / 8000)));
    assert.equal(detect(concat(silence(500), dtmf, silence(3000))).answeredBy, 'human');
  });

  it('steady line noise is not speech; a click is not speech; speech over noise still is', () => {
    assert.equal(detect(addNoise(silence(8000), 1200, 5)).answeredBy, 'unknown');
    const click = concat(silence(1000), tone(40, 300, 20_000), silence(6000));
    assert.deepEqual(detect(click), { answeredBy: 'unknown', reason: 'initial-silence', durationMs: 5000 });
    assert.equal(detect(addNoise(concat(silence(500), speechLike(8 * 700), silence(3000)), 800, 9)).answeredBy, 'human');
    assert.equal(detect(addNoise(concat(silence(500), speechLike(8 * 5000)), 800, 9)).answeredBy, 'machine_start');
  });

  it('the decision does not depend on how the audio is cut into pieces', () => {
    const audio = concat(silence(300), speechLike(8 * 900), silence(3000));
    const whole = detect(audio);
    for (const chunk of [1, 37, 160, 333, 4000]) assert.deepEqual(detect(audio, {}, chunk), whole, `chunks of ${chunk}`);
  });

  it('time without packets counts as silence; the decision is final and later input is ignored', () => {
    const d = new AnsweringMachineDetector();
    assert.equal(d.process(concat(silence(200), speechLike(8 * 600))), null);
    assert.equal(d.silence(1000), null);
    const r = d.silence(1000);
    assert.equal(r?.answeredBy, 'human');
    assert.equal(d.elapsedMs, r?.durationMs);
    assert.equal(d.process(speechLike(8 * 5000)), r);
    assert.equal(d.silence(10_000), r);
    assert.equal(d.decision, r);
  });
});

describe('answering machine detector: espeak-ng speech through G.711', () => {
  let hello: Int16Array;
  let greeting: Int16Array;
  before(async () => {
    [hello, greeting] = await Promise.all([speak(HELLO), speak(GREETING)]);
  });

  it('a person answering "Hello?" is a human, in about the speech plus the speech-end threshold', () => {
    const r = detect(throughG711(concat(silence(600), hello, silence(4000))));
    assert.equal(r.answeredBy, 'human');
    assert.ok(r.durationMs > 600 + 1200 && r.durationMs < 600 + hello.length / 8 + 1400, `${r.durationMs} ms`);
  });

  it('a voicemail greeting is machine_start as soon as it has gone on for the speech threshold', () => {
    const r = detect(throughG711(concat(silence(400), greeting)));
    assert.equal(r.answeredBy, 'machine_start');
    assert.ok(r.durationMs >= 400 + 2400 && r.durationMs < 400 + 3000, `${r.durationMs} ms`);
  });

  it('DetectMessageEnd: the greeting\'s beep, or its final silence, marks the end of the message', () => {
    const withBeep = throughG711(concat(silence(400), greeting, silence(600), tone(500, 1000), silence(3000)));
    const beep = detect(withBeep, { detectMessageEnd: true });
    assert.equal(beep.answeredBy, 'machine_end_beep');
    near(beep.durationMs, 400 + greeting.length / 8 + 600 + 500, 80);
    const quiet = detect(throughG711(concat(silence(400), greeting, silence(4000))), { detectMessageEnd: true });
    assert.equal(quiet.answeredBy, 'machine_end_silence');
    // espeak-ng ends its audio with a few hundred ms of silence: the greeting's speech ends at its last loud sample.
    let spoken = greeting.length;
    while (spoken > 0 && Math.abs(greeting[spoken - 1]) < 300) spoken--;
    near(quiet.durationMs, 400 + spoken / 8 + 1200, 120);
  });

  it('fluent speech holds no steady tone: a long greeting is never taken for a beep', () => {
    const d = new AnsweringMachineDetector({ detectMessageEnd: true, speechThresholdMs: 6000, speechEndThresholdMs: 5000, timeoutMs: 120_000 });
    assert.equal(d.process(throughG711(concat(greeting, greeting, greeting))), null);
  });
});
