/**
 * `<Dial>` (reference §3.2 Dial, Number, Sip; §2.5 action parameters): turns the verb and its nouns into a
 * `DialRequest` for the call, reports what could not be dialed as Notifications, sends the recording status
 * callbacks, and requests `action` with `DialCallStatus`, `DialCallSid`, `DialCallDuration`, `DialBridged` and the
 * recording — also after the caller hung up (its answer is then not run). Without `action` the document goes on
 * with the next verb.
 *
 * `<Client>`, `<Conference>` and `<Queue>` arrive with the browser-client, conference and queue work; until then they
 * are reported and skipped.
 */
import { ErrorCode, isE164 } from '../../../core/index.js';
import { TwimlErrorCode } from '../../notifications.js';
import { recordingStatusParams } from '../../webhook/status-callback-sender.js';
import type { WebhookParams } from '../../webhook/params.js';
import type { DialTarget } from '../call-control.js';
import type { DialNoun, DialVerb, NumberNoun, RecordingStatusEvent, SipNoun, TwimlParameter } from '../types.js';
import type { VerbContext, VerbDefinition, VerbOutcome } from '../verb.js';

/** Reference §3.2 Dial: up to 10 nouns ring at once. */
const MAX_TARGETS = 10;

/** Reference §3.2 Number: "Unformatted US numbers accepted" — `(415) 555-1212`, `4155551212`, `1-415-555-1212`. */
export function dialableNumber(text: string): string | null {
  const cleaned = text.replace(/[\s().-]/g, '');
  if (isE164(cleaned)) return cleaned;
  if (/^[2-9]\d{9}$/.test(cleaned)) return `+1${cleaned}`;
  if (/^1[2-9]\d{9}$/.test(cleaned)) return `+${cleaned}`;
  return null;
}

/** %-unescaping of a URI header name or value; a malformed escape is kept as written. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A `<Sip>` URI's headers (RFC 3261 §19.1.1: `?name=value&…`, escaped) go into the INVITE, not the Request-URI
 * (§19.1.5). Only custom `X-` headers and User-to-User (RFC 7433) may be set this way, as on Twilio; others are
 * reported and dropped, so TwiML cannot forge From, Via or Route.
 */
export function splitSipUri(text: string, extra: readonly TwimlParameter[], ctx: VerbContext): { uri: string; headers: Array<[string, string]> } {
  const at = text.indexOf('?');
  const uri = at === -1 ? text : text.slice(0, at);
  const pairs: Array<[string, string]> = extra.map((h) => [h.name, h.value]);
  if (at !== -1) {
    for (const part of text.slice(at + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      pairs.push([decode(eq === -1 ? part : part.slice(0, eq)), decode(eq === -1 ? '' : part.slice(eq + 1))]);
    }
  }
  const headers: Array<[string, string]> = [];
  for (const [name, value] of pairs) {
    const allowed = /^X-[A-Za-z0-9!%'*+.^_`|~-]+$/i.test(name) || /^User-to-User$/i.test(name);
    if (!allowed || /[\r\n]/.test(value)) {
      ctx.notifier.warn(ErrorCode.SchemaValidationWarning, `<Sip> header '${name}' is not sent: only X- headers and User-to-User may be set`);
      continue;
    }
    headers.push([name, value]);
  }
  return { uri, headers };
}

function legTarget(
  noun: NumberNoun | SipNoun, to: string, sipAuth: DialTarget['sipAuth'], sendDigits: string | null,
  sipHeaders: ReadonlyArray<readonly [string, string]> = [],
): DialTarget {
  return {
    to, sipAuth, sendDigits, sipHeaders, byoc: noun.noun === 'Number' ? noun.byoc : null,
    whisper: noun.url === null ? null : { url: noun.url, method: noun.method },
    statusCallback: noun.statusCallback === null ? null : { url: noun.statusCallback, method: noun.statusCallbackMethod, events: noun.statusCallbackEvent },
    machineDetection: noun.machineDetection === null ? null : {
      mode: noun.machineDetection, timeoutSeconds: noun.machineDetectionTimeout,
      speechThresholdMs: noun.machineDetectionSpeechThreshold, speechEndThresholdMs: noun.machineDetectionSpeechEndThreshold,
      silenceTimeoutMs: noun.machineDetectionSilenceTimeout,
      callback: noun.amdStatusCallback === null ? null : { url: noun.amdStatusCallback, method: noun.amdStatusCallbackMethod },
    },
  };
}

function targetsOf(nouns: readonly DialNoun[], ctx: VerbContext): DialTarget[] {
  const targets: DialTarget[] = [];
  for (const noun of nouns) {
    switch (noun.noun) {
      case 'Number': {
        const to = dialableNumber(noun.number);
        if (to === null) ctx.notifier.warn(TwimlErrorCode.DialInvalidPhoneNumber, `<Dial><Number>${noun.number}</Number> is not a phone number`);
        else targets.push(legTarget(noun, to, null, noun.sendDigits));
        break;
      }
      case 'Sip': {
        // Several <Uri> are tried in order: each is a target of its own, its credentials before the noun's.
        for (const uri of noun.uris) {
          const username = uri.username ?? noun.username;
          const password = uri.password ?? noun.password;
          const split = splitSipUri(uri.uri, noun.headers, ctx);
          targets.push(legTarget(noun, split.uri, username !== null && password !== null ? { username, password } : null, null, split.headers));
        }
        break;
      }
      default:
        ctx.notifier.warn(ErrorCode.SchemaValidationWarning, `<Dial><${noun.noun}> is not available on this server yet; skipped`);
    }
  }
  if (targets.length > MAX_TARGETS) {
    ctx.notifier.warn(ErrorCode.SchemaValidationWarning, `<Dial> rings at most ${MAX_TARGETS} parties; the rest are skipped`);
    targets.length = MAX_TARGETS;
  }
  return targets;
}

export const dial: VerbDefinition<DialVerb> = {
  // The call decides: answered before ringing, or left unanswered with answerOnBridge.
  needs: 'nothing',
  async run(verb: DialVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const target = verb.action === null ? null : { url: verb.action, method: verb.method };
    if (!ctx.call.dial) {
      ctx.notifier.warn(ErrorCode.SchemaValidationWarning, '<Dial> is not available for this call');
      return { kind: 'next' };
    }
    const targets = targetsOf(verb.nouns, ctx);
    const callback = verb.recordingStatusCallback === null ? null : { url: verb.recordingStatusCallback, method: verb.recordingStatusCallbackMethod };
    const wanted = new Set<RecordingStatusEvent>(verb.recordingStatusCallbackEvent);
    const recordingStatus = (event: RecordingStatusEvent, r: { recordingSid: string; url: string; startTime: number; channels: 1 | 2 }, duration: number | null) => {
      if (callback === null || !wanted.has(event)) return;
      ctx.recordingStatus(callback, recordingStatusParams({
        accountSid: ctx.accountSid, callSid: ctx.callSid, recordingSid: r.recordingSid, recordingUrl: r.url, status: event,
        durationSeconds: duration, channels: r.channels, startTime: r.startTime, source: 'DialVerb',
      }));
    };

    const result = targets.length === 0
      ? { status: 'failed' as const, childCallSid: null, durationSeconds: null, bridged: false, recording: null, errors: [] }
      : await ctx.call.dial({
          targets, callerId: verb.callerId, timeoutMs: verb.timeout * 1000, timeLimitMs: verb.timeLimit * 1000,
          hangupOnStar: verb.hangupOnStar, record: verb.record, recordingTrack: verb.recordingTrack, trim: verb.trim ?? 'do-not-trim',
          answerOnBridge: verb.answerOnBridge, ringTone: verb.ringTone, sequential: verb.sequential, signal: ctx.signal,
          onRecordingStarted: (r) => recordingStatus('in-progress', r, null),
        });
    for (const e of result.errors) ctx.notifier.warn(e.code, e.message);
    if (result.recording) recordingStatus(result.recording.durationSeconds > 0 ? 'completed' : 'absent', result.recording, result.recording.durationSeconds);

    // A live redirect of the caller ends the Dial: the new document runs, not the action.
    const hungUp = ctx.call.state === 'ended';
    if (ctx.signal.aborted && !hungUp) return { kind: 'aborted' };
    if (target === null) return { kind: 'next' };
    const params: Record<string, string> = { DialCallStatus: result.status, DialBridged: String(result.bridged) };
    if (result.childCallSid !== null) params.DialCallSid = result.childCallSid;
    if (result.durationSeconds !== null) params.DialCallDuration = String(result.durationSeconds);
    if (result.recording) {
      params.RecordingUrl = result.recording.url;
      params.RecordingSid = result.recording.recordingSid;
      params.RecordingDuration = String(result.recording.durationSeconds);
    }
    return { kind: 'request', target, params: params as WebhookParams, evenAfterHangup: true };
  },
};
