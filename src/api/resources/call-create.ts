/**
 * `POST Calls.json` parameters (reference §1.2 Calls create) read into an `OriginateRequest`, each failure with
 * Twilio's code: 21201 To missing, 21211 To invalid, 21213 From missing, 21212 From invalid, 21200 none of
 * Url/Twiml/ApplicationSid (or more than one), 21205 a bad URL, 21208 a bad Timeout, 21234 a bad MachineDetection
 * value, 20001 anything else.
 */
import { ErrorCode, TwilioError, invalidParameter } from '../../core/index.js';
import { MACHINE_DETECTION_LIMITS, type OriginateRequest } from '../../voice/index.js';
import type { CallProgressEvent } from '../../voice/twiml/types.js';
import { Params } from '../params.js';
import type { Form } from '../form.js';

const E164 = /^\+[1-9]\d{1,14}$/;
const SIP_URI = /^sips?:[^\s<>"]+$/i;
const EVENTS: readonly CallProgressEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'] as const;
/** Twilio: at most 32 keys, `w` pauses half a second. */
const SEND_DIGITS = /^[0-9*#wW]{1,32}$/;
const TWIML_MAX = 4000;

const bad = (code: number, message: string) => new TwilioError(code, 400, message);

/** Space-separated or repeated values (the official clients repeat the key). */
function words(params: Params, name: string): string[] {
  return params.all(name).flatMap((v) => v.split(/\s+/)).filter((v) => v !== '');
}

function integer(params: Params, name: string, min: number, max: number, code: number): number | undefined {
  const v = params.string(name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) throw bad(code, `${name} must be an integer from ${min} to ${max}, not '${v}'`);
  return n;
}

/**
 * `From` must be a number of the account or a verified caller ID on Twilio (21210); Patchbay has no verified caller
 * IDs yet, so any E.164 number is accepted (and any SIP user or URI when calling a SIP URI).
 */
export function readCallCreate(form: Form): OriginateRequest {
  const params = new Params(form);
  const to = params.string('To')?.trim();
  if (to === undefined || to === '') throw bad(ErrorCode.MissingToNumber, "Missing required parameter To in the post body");
  if (!E164.test(to) && !SIP_URI.test(to)) throw bad(ErrorCode.InvalidToNumber, `The 'To' number ${to} is not a valid phone number or SIP URI.`);
  const from = params.string('From')?.trim();
  if (from === undefined || from === '') throw bad(ErrorCode.MissingFromNumber, 'Missing required parameter From in the post body');
  const fromOk = E164.test(from) || (SIP_URI.test(to) && /^(sips?:)?[\w.!~*'()&=+$,;?/%-]+(@[^\s<>"]+)?$/i.test(from));
  if (!fromOk) throw bad(ErrorCode.InvalidFromNumber, `The 'From' number ${from} is not a valid phone number${SIP_URI.test(to) ? ' or SIP user' : ''}.`);

  const url = params.url('Url', ErrorCode.InvalidUrlParameter);
  const twiml = params.string('Twiml');
  const applicationSid = params.sid('ApplicationSid', 'AP');
  const given = [url ? 'Url' : null, twiml ? 'Twiml' : null, applicationSid ? 'ApplicationSid' : null].filter((x) => x !== null);
  if (given.length === 0) throw bad(ErrorCode.CallCreateError, 'Either Url, Twiml or ApplicationSid is required');
  if (given.length > 1) throw bad(ErrorCode.CallCreateError, `Only one of Url, Twiml or ApplicationSid may be given, not ${given.join(' and ')}`);
  if (twiml && twiml.length > TWIML_MAX) throw bad(ErrorCode.CallCreateError, `Twiml is longer than ${TWIML_MAX} characters`);
  const method = params.method('Method') === 'GET' ? 'GET' : 'POST';
  const source: OriginateRequest['source'] = url
    ? { kind: 'url', url, method }
    : twiml ? { kind: 'twiml', twiml } : { kind: 'application', applicationSid: applicationSid! };

  const fallbackUrl = params.url('FallbackUrl');
  const fallbackMethod = params.method('FallbackMethod') === 'GET' ? 'GET' : 'POST';
  const statusCallback = params.url('StatusCallback');
  const statusCallbackMethod = params.method('StatusCallbackMethod') === 'GET' ? 'GET' : 'POST';
  const events = words(params, 'StatusCallbackEvent').map((e) => {
    const match = EVENTS.find((x) => x === e.toLowerCase());
    if (!match) throw invalidParameter(ErrorCode.InvalidParameter, `StatusCallbackEvent must be one of ${EVENTS.join(', ')}, not '${e}'`);
    return match;
  });

  const sendDigits = params.string('SendDigits');
  if (sendDigits !== undefined && sendDigits !== '' && !SEND_DIGITS.test(sendDigits)) {
    throw invalidParameter(ErrorCode.InvalidParameter, `SendDigits may hold up to 32 of 0-9, *, # and w, not '${sendDigits}'`);
  }
  const timeoutSeconds = integer(params, 'Timeout', 1, 600, ErrorCode.InvalidTimeout) ?? 60;
  const timeLimitSeconds = integer(params, 'TimeLimit', 1, 24 * 3600, ErrorCode.InvalidParameter) ?? null;

  // Reference §1.2 and the OpenAPI descriptions: mono, both tracks, trim-silence, `completed` callbacks by default.
  const record = params.boolean('Record') ?? false;
  const channels = params.oneOf('RecordingChannels', ['mono', 'dual'] as const) ?? 'mono';
  const recordingCallback = params.url('RecordingStatusCallback');
  const recordingCallbackMethod: 'GET' | 'POST' = params.method('RecordingStatusCallbackMethod') === 'GET' ? 'GET' : 'POST';
  const recordingEvents = words(params, 'RecordingStatusCallbackEvent').map((e) => {
    const match = RECORDING_EVENTS.find((x) => x === e);
    if (!match) throw invalidParameter(ErrorCode.InvalidParameter, `RecordingStatusCallbackEvent must be one of ${RECORDING_EVENTS.join(', ')}, not '${e}'`);
    return match;
  });
  const recordingTrack = params.oneOf('RecordingTrack', ['inbound', 'outbound', 'both'] as const) ?? 'both';
  const trim = params.oneOf('Trim', ['trim-silence', 'do-not-trim'] as const) ?? 'trim-silence';
  const recording = record
    ? {
        channels: channels === 'dual' ? 2 as const : 1 as const, track: recordingTrack, trim,
        statusCallback: recordingCallback
          ? { url: recordingCallback, method: recordingCallbackMethod, events: recordingEvents.length > 0 ? recordingEvents : ['completed' as const] }
          : null,
      }
    : null;

  const callerId = params.string('CallerId')?.trim() || null;
  const sipUser = params.string('SipAuthUsername');
  const sipPassword = params.string('SipAuthPassword');
  if ((sipUser && !sipPassword) || (!sipUser && sipPassword)) {
    throw invalidParameter(ErrorCode.InvalidParameter, 'SipAuthUsername and SipAuthPassword go together');
  }
  const byoc = params.sid('Byoc', 'BY') ?? null;
  const machineDetection = readMachineDetection(params);

  return {
    to, from, source,
    fallback: fallbackUrl ? { url: fallbackUrl, method: fallbackMethod } : null,
    statusCallback: statusCallback ? { url: statusCallback, method: statusCallbackMethod, events } : null,
    sendDigits: sendDigits || null,
    timeoutSeconds, timeLimitSeconds, recording, callerId,
    sipAuth: sipUser && sipPassword ? { username: sipUser, password: sipPassword } : null,
    byoc, machineDetection,
  };
}

const MACHINE_DETECTION_MODES = ['Enable', 'DetectMessageEnd'] as const;

/**
 * `MachineDetection` (`Enable` | `DetectMessageEnd`) and its tuning, each bad or out-of-range value 21234 ("Invalid
 * Machine Detection configuration value"), `AsyncAmd` too. They are checked even without `MachineDetection`, which
 * alone turns detection on.
 */
function readMachineDetection(params: Params): OriginateRequest['machineDetection'] {
  const code = ErrorCode.InvalidMachineDetection;
  const raw = params.string('MachineDetection');
  const limits = MACHINE_DETECTION_LIMITS;
  const tuning = (name: string, limit: { default: number; min: number; max: number }) => integer(params, name, limit.min, limit.max, code) ?? limit.default;
  const timeoutSeconds = tuning('MachineDetectionTimeout', limits.timeoutSeconds);
  const speechThresholdMs = tuning('MachineDetectionSpeechThreshold', limits.speechThresholdMs);
  const speechEndThresholdMs = tuning('MachineDetectionSpeechEndThreshold', limits.speechEndThresholdMs);
  const silenceTimeoutMs = tuning('MachineDetectionSilenceTimeout', limits.silenceTimeoutMs);
  const asyncAmd = params.string('AsyncAmd');
  if (asyncAmd !== undefined && asyncAmd !== '' && !/^(true|false)$/i.test(asyncAmd)) {
    throw bad(code, `AsyncAmd must be true or false, not '${asyncAmd}'`);
  }
  const callback = params.url('AsyncAmdStatusCallback');
  const callbackMethod: 'GET' | 'POST' = params.method('AsyncAmdStatusCallbackMethod') === 'GET' ? 'GET' : 'POST';
  if (raw === undefined || raw === '') return null;
  const mode = MACHINE_DETECTION_MODES.find((m) => m.toLowerCase() === raw.toLowerCase());
  if (!mode) throw bad(code, `MachineDetection must be Enable or DetectMessageEnd, not '${raw}'`);
  const async = asyncAmd?.toLowerCase() === 'true';
  return {
    mode, timeoutSeconds, speechThresholdMs, speechEndThresholdMs, silenceTimeoutMs, async,
    // Reference §1.2: the result is posted only with AsyncAmd; synchronous detection hands it to the TwiML request.
    callback: async && callback ? { url: callback, method: callbackMethod } : null,
  };
}
