/**
 * `<Record>` (reference §3.2, §2.4, §2.5): optional beep, then the caller is recorded until a `finishOnKey` key,
 * `timeout` seconds of silence, `maxLength`, or hangup. The `action` (default: the current document URL) is always
 * requested, with `RecordingUrl`, `RecordingSid`, `RecordingDuration` and `Digits` (the key, or `hangup`) — on
 * hangup too, though its answer is not run. `recordingStatusCallback` gets the requested events
 * (`in-progress completed absent`) through the status callback sender.
 */
import { ErrorCode } from '../../../core/index.js';
import { recordingStatusParams } from '../../webhook/status-callback-sender.js';
import type { WebhookParams } from '../../webhook/params.js';
import type { RecordResult } from '../call-control.js';
import type { RecordVerb, RecordingStatusEvent } from '../types.js';
import { type VerbContext, type VerbDefinition, type VerbOutcome, actionTarget } from '../verb.js';

export const record: VerbDefinition<RecordVerb> = {
  needs: 'answered',
  async run(verb: RecordVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const target = actionTarget(verb.action, verb.method, ctx);
    if (target === null) {
      // Reference §3.1: inline TwiML (a live-call redirect) with <Record> and no action → 11100.
      ctx.notifier.warn(ErrorCode.InvalidUrl, '<Record> in inline TwiML needs an absolute action URL');
      return { kind: 'next' };
    }
    if (verb.transcribe) ctx.notifier.warn(ErrorCode.SchemaValidationWarning, '<Record transcribe="true">: transcription is not available on this server');

    if (verb.playBeep) {
      const beep = await ctx.call.play({ kind: 'beep' }, { signal: ctx.signal });
      if (beep.kind === 'interrupted' || ctx.signal.aborted) return { kind: 'aborted' };
    }

    const callback = verb.recordingStatusCallback === null ? null : { url: verb.recordingStatusCallback, method: verb.recordingStatusCallbackMethod };
    const wanted = new Set<RecordingStatusEvent>(verb.recordingStatusCallbackEvent);
    const status = (event: RecordingStatusEvent, r: { recordingSid: string; url: string; startTime: number }, duration: number | null) => {
      if (callback === null || !wanted.has(event)) return;
      ctx.recordingStatus(
        callback,
        recordingStatusParams({
          accountSid: ctx.accountSid, callSid: ctx.callSid, recordingSid: r.recordingSid, recordingUrl: r.url, status: event,
          durationSeconds: duration, channels: 1, startTime: r.startTime, source: 'RecordVerb',
        }),
      );
    };

    const result: RecordResult = await ctx.call.record({
      maxLengthMs: verb.maxLength * 1000,
      silenceTimeoutMs: verb.timeout * 1000,
      finishOnKey: verb.finishOnKey,
      trim: verb.trim,
      signal: ctx.signal,
      onStarted: (r) => status('in-progress', r, null),
    });
    // An empty recording is reported `absent` (reference §2.4 RecordingStatus values).
    status(result.durationSeconds > 0 ? 'completed' : 'absent', result, result.durationSeconds);

    const hungUp = result.endedBy.kind === 'hangup' || (result.endedBy.kind === 'aborted' && ctx.call.state === 'ended');
    if (!hungUp && (result.endedBy.kind === 'aborted' || ctx.signal.aborted)) return { kind: 'aborted' };

    const params: Record<string, string> = {
      RecordingUrl: result.url,
      RecordingSid: result.recordingSid,
      RecordingDuration: String(result.durationSeconds),
    };
    if (hungUp) params.Digits = 'hangup';
    else if (result.endedBy.kind === 'key') params.Digits = result.endedBy.key;
    return { kind: 'request', target, params: params as WebhookParams, evenAfterHangup: true };
  },
};
