/**
 * Answering machine detection on a call we placed (reference §1.2 Calls create `MachineDetection*`, `AsyncAmd*`;
 * §3.2 Number and Sip `machineDetection*`, `amdStatusCallback*`): the media layer's detector listens to what the
 * called party sends from the answer on; the result is stored on the call (its `answered_by`, and `AnsweredBy` in
 * every later webhook) and then, when asked, posted to the application. REST calls and `<Dial>` legs go through the
 * same `runMachineDetection`.
 */
import type { Clock, TimerHandle } from '../../core/index.js';
import { type AmdDecision, AnsweringMachineDetector, type MediaSession } from '../../media/index.js';
import type { MachineDetectionRequest } from '../twiml/call-control.js';
import { type StandardCallParameters, toWebhookParams } from '../webhook/params.js';
import type { CallbackQueue } from '../webhook/status-callback-sender.js';
import type { OutgoingCall } from './outgoing-call.js';

/** Packets later than this leave a gap that is analysed as silence (no RTP: the far end sends nothing). */
const GAP_MS = 250;
/** Audio this far ahead of the clock is a gap counted already: its silent frames are skipped. */
const AHEAD_MS = 60;
/** How often the gap is looked for while detection runs. */
const WATCH_MS = 100;

/**
 * Runs the detector on `media`'s received audio until it decides; null when the call ends first. The detector's
 * time is the audio's, so a far end that sends no packets (or stops) is caught up with silence from the clock; the
 * silent frames the session later inserts for the same gap (RTP timestamps jumped) are then skipped.
 */
export function detectAnsweringMachine(
  media: Pick<MediaSession, 'onAudio' | 'isClosed'>, request: MachineDetectionRequest, clock: Clock, ended: AbortSignal,
): Promise<AmdDecision | null> {
  if (ended.aborted || media.isClosed) return Promise.resolve(null);
  const detector = new AnsweringMachineDetector({
    detectMessageEnd: request.mode === 'DetectMessageEnd',
    timeoutMs: request.timeoutSeconds * 1000,
    speechThresholdMs: request.speechThresholdMs,
    speechEndThresholdMs: request.speechEndThresholdMs,
    silenceTimeoutMs: request.silenceTimeoutMs,
  });
  const start = clock.now();
  return new Promise((resolve) => {
    let lastAudio = start;
    let timer: TimerHandle | undefined;
    const unsubscribe = media.onAudio((frame) => {
      const now = clock.now();
      lastAudio = now;
      if (detector.elapsedMs > now - start + AHEAD_MS && isSilent(frame)) return;
      const decision = detector.process(frame);
      if (decision) done(decision);
    });
    const watch = () => {
      const now = clock.now();
      const behind = now - start - detector.elapsedMs;
      const decision = now - lastAudio >= GAP_MS && behind >= GAP_MS ? detector.silence(behind) : null;
      if (decision) done(decision);
      else timer = clock.setTimeout(watch, WATCH_MS);
    };
    const onEnded = () => done(null);
    function done(decision: AmdDecision | null): void {
      unsubscribe();
      clock.clearTimeout(timer);
      ended.removeEventListener('abort', onEnded);
      resolve(decision);
    }
    ended.addEventListener('abort', onEnded, { once: true });
    timer = clock.setTimeout(watch, WATCH_MS);
  });
}

function isSilent(frame: Int16Array): boolean {
  for (let i = 0; i < frame.length; i++) if (frame[i] !== 0) return false;
  return true;
}

/**
 * The webhook parameters of a decision (reference §2.1): every webhook of the call after it carries them
 * (`OutgoingCall.parameters()`), and with `AccountSid` and `CallSid` they are the body of an AMD status callback
 * (`AsyncAmdStatusCallback`, `amdStatusCallback`).
 */
export function machineDetectionParams(decision: AmdDecision): Required<Pick<StandardCallParameters, 'AnsweredBy' | 'MachineDetectionDuration'>> {
  return { AnsweredBy: decision.answeredBy, MachineDetectionDuration: String(decision.durationMs) };
}

/**
 * Detects on `call` (stored on its record before anyone hears of it), then posts the result to the request's
 * callback, signed with the account's token, in order with the call's other callbacks. Resolves with the decision,
 * or null when the call ended first.
 */
export async function runMachineDetection(
  call: OutgoingCall, request: MachineDetectionRequest, callbacks: CallbackQueue, authToken: string,
): Promise<AmdDecision | null> {
  const decision = await call.detectMachine(request);
  if (decision && request.callback) {
    callbacks.enqueue(
      { url: request.callback.url, method: request.callback.method, accountSid: call.accountSid, callSid: call.sid, authToken },
      toWebhookParams({ AccountSid: call.accountSid, CallSid: call.sid, ...machineDetectionParams(decision) }),
    );
  }
  return decision;
}
