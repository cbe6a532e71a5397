/**
 * TwiML document → typed verbs (reference §3.1, §3.2).
 *
 * - Not well-formed XML, a root other than `<Response>`, or more than 64 KB → one 12100 error and no document.
 * - Well-formed but not TwiML (unknown or wrongly cased verb, unknown attribute, a child the parent does not allow)
 *   → a 12200 warning and the element is skipped; the rest of the document still runs, as Twilio does.
 * - Bad attribute values → the verb's own warning code and the default.
 */
import { ErrorCode } from '../../core/index.js';
import type { NotificationDraft } from '../notifications.js';
import { TwimlErrorCode } from '../notifications.js';
import type { HttpMethod } from '../webhook/params.js';
import { AttrReader, ParseContext, RECORDING_EVENTS, childElements } from './attributes.js';
import { parseConnect, parseDial, parseEnqueue, parseStart, parseStop } from './parse-nouns.js';
import type {
  GatherPrompt, GatherVerb, PauseVerb, PlayVerb, RecordVerb, SayVerb, TwimlDocument, Verb,
} from './types.js';
import { type XmlElement, ownText, parseXml, textContent } from './xml.js';

export const TWIML_MAX_BYTES = 64 * 1024;

export type TwimlParseResult =
  | { ok: true; document: TwimlDocument; warnings: NotificationDraft[] }
  | { ok: false; error: NotificationDraft };

export interface TwimlParseOptions {
  /** Base for relative URLs and the default Gather/Record action; null for inline TwiML. */
  documentUrl: string | null;
  /** How the document was fetched (Gather/Record re-request it the same way by default). */
  method?: HttpMethod;
}

/** Top-level voice verbs (reference §3.1, from twilio-node `VoiceResponse`). */
const TOP_LEVEL = [
  'Connect', 'Dial', 'Echo', 'Enqueue', 'Gather', 'Hangup', 'Leave', 'Pause', 'Pay', 'Play', 'Record', 'Redirect',
  'Refer', 'Reject', 'Say', 'Sms', 'Start', 'Stop',
] as const;

const SSML = ['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w'];

export function parseTwiml(text: string, options: TwimlParseOptions): TwimlParseResult {
  const fail = (message: string): TwimlParseResult => ({
    ok: false,
    error: { code: ErrorCode.DocumentParseFailure, level: 'error', message, requestUrl: options.documentUrl },
  });
  if (Buffer.byteLength(text, 'utf-8') > TWIML_MAX_BYTES) return fail(`document is larger than ${TWIML_MAX_BYTES} bytes`);
  const xml = parseXml(text);
  if (!xml.ok) return fail(`invalid XML: ${xml.reason}`);
  if (xml.root.name !== 'Response') return fail(`the root element must be <Response>, not <${xml.root.name}>`);

  const ctx = new ParseContext(options.documentUrl);
  for (const name of Object.keys(xml.root.attributes)) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) ctx.warn(ErrorCode.SchemaValidationWarning, `<Response>: unknown attribute '${name}'`);
  }
  const verbs: Verb[] = [];
  for (const el of childElements(xml.root, TOP_LEVEL, ctx)) {
    const verb = parseVerb(el, ctx);
    if (verb) verbs.push(verb);
  }
  return { ok: true, document: { url: options.documentUrl, method: options.method ?? 'POST', verbs }, warnings: ctx.warnings };
}

function parseVerb(el: XmlElement, ctx: ParseContext): Verb | null {
  switch (el.name) {
    case 'Say': return parseSay(el, ctx, TwimlErrorCode.SayInvalidLoop);
    case 'Play': return parsePlay(el, ctx, false);
    case 'Pause': return parsePause(el, ctx);
    case 'Gather': return parseGather(el, ctx);
    case 'Record': return parseRecord(el, ctx);
    case 'Redirect': return parseRedirect(el, ctx);
    case 'Hangup': {
      new AttrReader(el, ctx, []).finish();
      childElements(el, ['Parameter'], ctx);
      return { verb: 'Hangup' };
    }
    case 'Reject': {
      const a = new AttrReader(el, ctx, ['reason']);
      const reason = a.oneOf('reason', ['rejected', 'busy'] as const, 'rejected');
      a.finish();
      childElements(el, ['Parameter'], ctx);
      return { verb: 'Reject', reason };
    }
    case 'Leave':
      new AttrReader(el, ctx, []).finish();
      childElements(el, [], ctx);
      return { verb: 'Leave' };
    case 'Dial': return parseDial(el, ctx);
    case 'Enqueue': return parseEnqueue(el, ctx);
    case 'Start': return parseStart(el, ctx);
    case 'Stop': return parseStop(el, ctx);
    case 'Connect': return parseConnect(el, ctx);
    default:
      // Echo, Pay, Refer, Sms: valid TwiML that this interpreter does not run.
      return { verb: 'Unsupported', name: el.name };
  }
}

function parseSay(el: XmlElement, ctx: ParseContext, loopCode: number): SayVerb {
  const a = new AttrReader(el, ctx, ['voice', 'language', 'loop']);
  // Reference §3.2: docs default voice `man` (the account's console setting is not modelled), language en-US.
  const voice = a.string('voice', 'man');
  const language = a.string('language', 'en-US');
  const loop = a.int('loop', 1, { min: 0, code: loopCode });
  a.finish();
  for (const child of el.children) {
    if (child.type === 'element' && !SSML.includes(child.name)) {
      ctx.warn(ErrorCode.SchemaValidationWarning, `<${child.name}> is not SSML allowed inside <Say>`);
    }
  }
  return { verb: 'Say', text: textContent(el).trim(), voice, language, loop };
}

function parsePlay(el: XmlElement, ctx: ParseContext, inGather: boolean): PlayVerb | null {
  const a = new AttrReader(el, ctx, ['loop', 'digits']);
  const loop = a.int('loop', 1, { min: 0, code: TwimlErrorCode.PlayInvalidLoop });
  const digits = a.string('digits');
  a.finish();
  childElements(el, [], ctx, true);
  if (digits !== null) {
    // Reference §3.2 Play: 0-9 A-D # * and w/W pauses; digits are not allowed inside Gather (§3.1 table).
    if (inGather) {
      ctx.warn(ErrorCode.SchemaValidationWarning, '<Play digits> is not allowed inside <Gather>');
      return null;
    }
    if (!/^[0-9A-D#*wW]+$/.test(digits)) {
      ctx.warn(ErrorCode.SchemaValidationWarning, `<Play> digits="${digits}": only 0-9, A-D, #, *, w and W are allowed`);
      return null;
    }
    return { verb: 'Play', url: null, loop, digits };
  }
  const body = ownText(el).trim();
  if (body === '') {
    ctx.warn(ErrorCode.InvalidUrl, '<Play> has neither a URL nor digits');
    return null;
  }
  const url = ctx.resolveUrl(body, '<Play>');
  return url === null ? null : { verb: 'Play', url, loop, digits: null };
}

function parsePause(el: XmlElement, ctx: ParseContext): PauseVerb {
  const a = new AttrReader(el, ctx, ['length']);
  const length = a.int('length', 1, { min: 1, code: TwimlErrorCode.PauseInvalidLength });
  a.finish();
  childElements(el, [], ctx);
  return { verb: 'Pause', length };
}

const GATHER_ATTRS = [
  'action', 'method', 'input', 'timeout', 'speechTimeout', 'finishOnKey', 'numDigits', 'actionOnEmptyResult',
  'language', 'hints', 'partialResultCallback', 'partialResultCallbackMethod', 'profanityFilter', 'speechModel',
  'enhanced', 'bargeIn', 'maxSpeechTime', 'debug',
];

function parseGather(el: XmlElement, ctx: ParseContext): GatherVerb {
  const a = new AttrReader(el, ctx, GATHER_ATTRS);
  const action = a.url('action');
  const method = a.method('method');
  const inputRaw = a.string('input', 'dtmf');
  const parts = inputRaw.split(/\s+/).filter(Boolean);
  let input = { dtmf: parts.includes('dtmf'), speech: parts.includes('speech') };
  if (parts.length === 0 || parts.some((p) => p !== 'dtmf' && p !== 'speech')) {
    ctx.warn(ErrorCode.SchemaValidationWarning, `<Gather> input="${inputRaw}": must be dtmf, speech or "dtmf speech"; using dtmf`);
    input = { dtmf: true, speech: false };
  }
  const timeout = a.int('timeout', 5, { min: 1, code: TwimlErrorCode.GatherInvalidTimeout });
  let speechTimeout: number | 'auto' = timeout;
  const st = a.string('speechTimeout');
  if (st === 'auto') speechTimeout = 'auto';
  else if (st !== null) speechTimeout = a.int('speechTimeout', timeout, { min: 1, code: TwimlErrorCode.GatherInvalidSpeechTimeout });
  let finishOnKey = a.string('finishOnKey', '#');
  if (!/^[0-9#*]?$/.test(finishOnKey)) {
    ctx.warn(TwimlErrorCode.GatherInvalidFinishOnKey, `<Gather> finishOnKey="${finishOnKey}": must be one of 0-9, #, * or empty; using #`);
    finishOnKey = '#';
  }
  const numDigits = a.optionalInt('numDigits', { min: 1, code: TwimlErrorCode.GatherInvalidNumDigits });
  // Error 13338 is logged at ERROR level on Twilio's page, unlike the other attribute warnings.
  let actionOnEmptyResult = false;
  const aoer = a.string('actionOnEmptyResult');
  if (aoer === 'true') actionOnEmptyResult = true;
  else if (aoer !== null && aoer !== 'false') {
    ctx.error(TwimlErrorCode.GatherInvalidActionOnEmptyResult, `<Gather> actionOnEmptyResult="${aoer}": must be true or false; using false`);
  }
  const language = a.string('language', 'en-US');
  const hints = a.string('hints');
  const partialResultCallback = a.url('partialResultCallback');
  const partialResultCallbackMethod = a.method('partialResultCallbackMethod');
  const profanityFilter = a.bool('profanityFilter', true);
  const speechModel = a.string('speechModel', 'default');
  const enhanced = a.bool('enhanced', false);
  const bargeIn = a.bool('bargeIn', true);
  const maxSpeechTime = a.optionalInt('maxSpeechTime', { min: 1 });
  a.string('debug');
  a.finish();

  const prompts: GatherPrompt[] = [];
  for (const child of childElements(el, ['Say', 'Play', 'Pause'], ctx)) {
    const prompt =
      child.name === 'Say' ? parseSay(child, ctx, TwimlErrorCode.GatherSayInvalidLoop)
      : child.name === 'Play' ? parsePlay(child, ctx, true)
      : parsePause(child, ctx);
    if (prompt) prompts.push(prompt);
  }
  return {
    verb: 'Gather', action, method, input, timeout, speechTimeout, finishOnKey, numDigits, actionOnEmptyResult, language,
    hints, partialResultCallback, partialResultCallbackMethod, profanityFilter, speechModel, enhanced, bargeIn,
    maxSpeechTime, prompts,
  };
}

const RECORD_ATTRS = [
  'action', 'method', 'timeout', 'finishOnKey', 'maxLength', 'playBeep', 'trim', 'recordingStatusCallback',
  'recordingStatusCallbackMethod', 'recordingStatusCallbackEvent', 'transcribe', 'transcribeCallback',
  'recordingConfigurationId', 'recordingChannels', 'recordingTrack',
];

function parseRecord(el: XmlElement, ctx: ParseContext): RecordVerb {
  const a = new AttrReader(el, ctx, RECORD_ATTRS);
  const action = a.url('action');
  const method = a.method('method');
  const timeout = a.int('timeout', 5, { min: 0, code: TwimlErrorCode.RecordInvalidTimeout });
  let finishOnKey = a.string('finishOnKey', '1234567890*#');
  if (!/^[0-9#*]*$/.test(finishOnKey)) {
    ctx.warn(TwimlErrorCode.RecordInvalidFinishOnKey, `<Record> finishOnKey="${finishOnKey}": only 0-9, # and * are allowed; using the default`);
    finishOnKey = '1234567890*#';
  }
  const transcribe = a.bool('transcribe', false);
  // Reference §3.2 Record: maxLength 1 < n ≤ 14400, default 3600 (120 when transcribing).
  const maxLength = a.int('maxLength', transcribe ? 120 : 3600, { min: 2, max: 14_400 });
  const playBeep = a.bool('playBeep', true);
  const trim = a.oneOf('trim', ['trim-silence', 'do-not-trim'] as const, 'trim-silence');
  const recordingStatusCallback = a.url('recordingStatusCallback');
  const recordingStatusCallbackMethod = a.method('recordingStatusCallbackMethod');
  const recordingStatusCallbackEvent = a.list(
    'recordingStatusCallbackEvent', RECORDING_EVENTS, ['completed'], TwimlErrorCode.RecordInvalidRecordingStatusCallbackEvent,
  );
  const transcribeCallback = a.url('transcribeCallback');
  a.string('recordingConfigurationId');
  a.string('recordingChannels');
  a.string('recordingTrack');
  a.finish();
  childElements(el, [], ctx);
  return {
    verb: 'Record', action, method, timeout, finishOnKey, maxLength, playBeep, trim, recordingStatusCallback,
    recordingStatusCallbackMethod, recordingStatusCallbackEvent, transcribe, transcribeCallback,
  };
}

function parseRedirect(el: XmlElement, ctx: ParseContext): Verb | null {
  const a = new AttrReader(el, ctx, ['method']);
  const method = a.method('method');
  a.finish();
  childElements(el, [], ctx, true);
  const body = ownText(el).trim();
  if (body === '') {
    ctx.warn(ErrorCode.InvalidUrl, '<Redirect> has no URL');
    return null;
  }
  const url = ctx.resolveUrl(body, '<Redirect>');
  return url === null ? null : { verb: 'Redirect', url, method };
}
