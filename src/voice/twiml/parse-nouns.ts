/**
 * Parse-only verbs whose execution belongs to later work: `<Dial>` with its nouns, `<Enqueue>`, and
 * `<Start>`/`<Stop>`/`<Connect>` with `<Stream>` (reference §3.1 nesting table, §3.2 attributes and defaults).
 */
import { ErrorCode } from '../../core/index.js';
import { TwimlErrorCode } from '../notifications.js';
import { AttrReader, type ParseContext, RECORDING_EVENTS, childElements } from './attributes.js';
import { MACHINE_DETECTION_LIMITS } from './call-control.js';
import type {
  CallProgressEvent, ClientNoun, ConferenceNoun, ConnectVerb, DialNoun, DialRecord, DialVerb, EnqueueVerb,
  MachineDetectionOptions, NumberNoun, OtherNoun, QueueNoun, SipNoun, SipUri, StartVerb, StopVerb, StreamNoun, TwimlParameter,
} from './types.js';
import { type XmlElement, ownText } from './xml.js';

const PROGRESS_EVENTS: readonly CallProgressEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
const DIAL_NOUNS = ['Number', 'Client', 'Sip', 'Conference', 'Queue', 'Application', 'Sim', 'WhatsApp'];
/**
 * The Calls API's asynchronous AMD (reference §1.2 Calls create `AsyncAmd*`) written as noun attributes: Twilio
 * ignores them with warning 21263 (https://www.twilio.com/docs/api/errors/21263), detection runs as without them.
 */
const ASYNC_AMD_ATTRS = ['asyncAmd', 'asyncAmdStatusCallback', 'asyncAmdStatusCallbackMethod'];
const AMD_ATTRS = [
  'machineDetection', 'machineDetectionTimeout', 'machineDetectionSpeechThreshold', 'machineDetectionSpeechEndThreshold',
  'machineDetectionSilenceTimeout', 'amdStatusCallback', 'amdStatusCallbackMethod', ...ASYNC_AMD_ATTRS,
];
const LEG_ATTRS = ['url', 'method', 'statusCallback', 'statusCallbackMethod', 'statusCallbackEvent'];

const DIAL_ATTRS = [
  'action', 'method', 'timeout', 'timeLimit', 'callerId', 'hangupOnStar', 'record', 'recordingStatusCallback',
  'recordingStatusCallbackMethod', 'recordingStatusCallbackEvent', 'recordingTrack', 'trim', 'answerOnBridge', 'ringTone',
  'sequential', 'callReason', 'referUrl', 'referMethod', 'events', 'recordingConfigurationId',
];

export function parseDial(el: XmlElement, ctx: ParseContext): DialVerb {
  const a = new AttrReader(el, ctx, DIAL_ATTRS);
  const rawRecord = a.string('record');
  let record: DialRecord = 'do-not-record';
  const records: readonly DialRecord[] = ['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual'];
  // Reference §3.2 Dial: `true` = record-from-answer, `false` = do-not-record.
  if (rawRecord === 'true') record = 'record-from-answer';
  else if (rawRecord === 'false' || rawRecord === null) record = 'do-not-record';
  else if ((records as readonly string[]).includes(rawRecord)) record = rawRecord as DialRecord;
  else ctx.warn(TwimlErrorCode.DialInvalidRecord, `<Dial> record="${rawRecord}" is not a recording mode; not recording`);
  const dial = {
    verb: 'Dial' as const,
    action: a.url('action'),
    method: a.method('method'),
    timeout: a.int('timeout', 30, { min: 1, code: TwimlErrorCode.DialInvalidTimeout }),
    timeLimit: a.int('timeLimit', 14_400, { min: 1 }),
    callerId: a.string('callerId'),
    hangupOnStar: a.bool('hangupOnStar', false),
    record,
    recordingStatusCallback: a.url('recordingStatusCallback'),
    recordingStatusCallbackMethod: a.method('recordingStatusCallbackMethod'),
    recordingStatusCallbackEvent: a.list('recordingStatusCallbackEvent', RECORDING_EVENTS, ['completed']),
    recordingTrack: a.oneOf('recordingTrack', ['inbound', 'outbound', 'both'] as const, 'both'),
    trim: a.optionalOneOf('trim', ['trim-silence', 'do-not-trim'] as const),
    answerOnBridge: a.bool('answerOnBridge', false),
    ringTone: a.string('ringTone'),
    sequential: a.bool('sequential', false),
    callReason: a.string('callReason'),
    referUrl: a.url('referUrl'),
    referMethod: a.method('referMethod'),
  };
  a.string('events');
  a.string('recordingConfigurationId');
  a.finish();

  const nouns: DialNoun[] = [];
  // Plain text inside <Dial> is a number (reference §3.1 table).
  const text = ownText(el).trim();
  if (text !== '') nouns.push(numberNoun(text, null, ctx));
  for (const child of childElements(el, DIAL_NOUNS, ctx, true)) {
    const noun = parseDialNoun(child, ctx);
    if (noun) nouns.push(noun);
  }
  return { ...dial, nouns };
}

function parseDialNoun(el: XmlElement, ctx: ParseContext): DialNoun | null {
  switch (el.name) {
    case 'Number': return numberNoun(ownText(el).trim(), el, ctx);
    case 'Client': return clientNoun(el, ctx);
    case 'Sip': return sipNoun(el, ctx);
    case 'Conference': return conferenceNoun(el, ctx);
    case 'Queue': return queueNoun(el, ctx);
    default:
      ctx.warn(ErrorCode.SchemaValidationWarning, `<Dial><${el.name}> is valid TwiML that Patchbay does not dial; skipped`);
      return null;
  }
}

function legCallbacks(a: AttrReader) {
  return {
    url: a.url('url'),
    method: a.method('method'),
    statusCallback: a.url('statusCallback'),
    statusCallbackMethod: a.method('statusCallbackMethod'),
  };
}

function machineDetection(a: AttrReader, noun: 'Number' | 'Sip', ctx: ParseContext): MachineDetectionOptions {
  const tuning = (name: string, limit: { default: number; min: number; max: number }) => a.int(name, limit.default, limit);
  const limits = MACHINE_DETECTION_LIMITS;
  const ignored = ASYNC_AMD_ATTRS.filter((name) => a.has(name));
  if (ignored.length > 0) {
    ctx.warn(TwimlErrorCode.InvalidAmdParameters, `<${noun}> ${ignored.join(', ')}: asynchronous AMD is for POST Calls.json ` +
      'only; ignored (a <Dial> leg posts its result to amdStatusCallback)');
  }
  return {
    machineDetection: a.optionalOneOf('machineDetection', ['Enable', 'DetectMessageEnd'] as const),
    machineDetectionTimeout: tuning('machineDetectionTimeout', limits.timeoutSeconds),
    machineDetectionSpeechThreshold: tuning('machineDetectionSpeechThreshold', limits.speechThresholdMs),
    machineDetectionSpeechEndThreshold: tuning('machineDetectionSpeechEndThreshold', limits.speechEndThresholdMs),
    machineDetectionSilenceTimeout: tuning('machineDetectionSilenceTimeout', limits.silenceTimeoutMs),
    amdStatusCallback: a.url('amdStatusCallback'),
    amdStatusCallbackMethod: a.method('amdStatusCallbackMethod'),
  };
}

function numberNoun(number: string, el: XmlElement | null, ctx: ParseContext): NumberNoun {
  const fake: XmlElement = el ?? { type: 'element', name: 'Number', attributes: {}, children: [] };
  const a = new AttrReader(fake, ctx, [...LEG_ATTRS, ...AMD_ATTRS, 'sendDigits', 'byoc']);
  const sendDigits = a.string('sendDigits');
  if (sendDigits !== null && !/^[0-9A-DwW#*]*$/.test(sendDigits)) {
    ctx.warn(ErrorCode.SchemaValidationWarning, `<Number> sendDigits="${sendDigits}": only 0-9, A-D, w, W, # and * are allowed`);
  }
  const noun: NumberNoun = {
    noun: 'Number',
    number,
    sendDigits,
    byoc: a.string('byoc'),
    ...legCallbacks(a),
    statusCallbackEvent: a.list('statusCallbackEvent', PROGRESS_EVENTS, ['completed']),
    ...machineDetection(a, 'Number', ctx),
  };
  a.finish();
  if (el) childElements(el, [], ctx, true);
  return noun;
}

function parameters(els: readonly XmlElement[], ctx: ParseContext): TwimlParameter[] {
  const out: TwimlParameter[] = [];
  for (const p of els) {
    const a = new AttrReader(p, ctx, ['name', 'value']);
    const name = a.string('name');
    const value = a.string('value', '');
    a.finish();
    if (name === null) ctx.warn(ErrorCode.SchemaValidationWarning, `<${p.name}> needs a name`);
    else out.push({ name, value });
  }
  return out;
}

function clientNoun(el: XmlElement, ctx: ParseContext): ClientNoun | null {
  const a = new AttrReader(el, ctx, LEG_ATTRS);
  const callbacks = legCallbacks(a);
  // Client's statusCallbackEvent has no default (reference §3.2 Client).
  const statusCallbackEvent = a.list('statusCallbackEvent', PROGRESS_EVENTS, []);
  a.finish();
  const children = childElements(el, ['Identity', 'Parameter'], ctx, true);
  const identityEl = children.find((c) => c.name === 'Identity');
  const identity = (identityEl ? ownText(identityEl) : ownText(el)).trim();
  if (identity === '' || identity.length > 256) {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Client> needs an identity of 1 to 256 characters');
    return null;
  }
  return { noun: 'Client', identity, parameters: parameters(children.filter((c) => c.name === 'Parameter'), ctx), ...callbacks, statusCallbackEvent };
}

function sipNoun(el: XmlElement, ctx: ParseContext): SipNoun | null {
  const a = new AttrReader(el, ctx, [...LEG_ATTRS, ...AMD_ATTRS, 'username', 'password']);
  const base = {
    ...legCallbacks(a),
    statusCallbackEvent: a.list('statusCallbackEvent', PROGRESS_EVENTS, ['completed']),
    ...machineDetection(a, 'Sip', ctx),
    username: a.string('username'),
    password: a.string('password'),
  };
  a.finish();
  const children = childElements(el, ['Uri', 'Headers'], ctx, true);
  const uris: SipUri[] = [];
  const text = ownText(el).trim();
  if (text !== '') uris.push({ uri: text, priority: null, weight: null, username: null, password: null });
  for (const u of children.filter((c) => c.name === 'Uri')) {
    const ua = new AttrReader(u, ctx, ['priority', 'weight', 'username', 'password']);
    uris.push({
      uri: ownText(u).trim(),
      priority: ua.optionalInt('priority', { min: 0 }),
      weight: ua.optionalInt('weight', { min: 0 }),
      username: ua.string('username'),
      password: ua.string('password'),
    });
    ua.finish();
  }
  const headers = children.filter((c) => c.name === 'Headers').flatMap((h) => parameters(childElements(h, ['Header'], ctx), ctx));
  const bad = uris.find((u) => !/^sips?:/i.test(u.uri));
  if (uris.length === 0 || bad) {
    ctx.warn(ErrorCode.SchemaValidationWarning, `<Sip> needs a sip: URI${bad ? ` (got '${bad.uri}')` : ''}`);
    return null;
  }
  return { noun: 'Sip', uris, headers, ...base };
}

const CONFERENCE_ATTRS = [
  'muted', 'beep', 'startConferenceOnEnter', 'endConferenceOnExit', 'participantLabel', 'jitterBufferSize', 'waitUrl',
  'waitMethod', 'maxParticipants', 'record', 'region', 'trim', 'coach', 'statusCallbackEvent', 'statusCallback',
  'statusCallbackMethod', 'recordingStatusCallback', 'recordingStatusCallbackMethod', 'recordingStatusCallbackEvent',
  'eventCallbackUrl', 'recordingConfigurationId',
];
const CONFERENCE_EVENTS = ['start', 'end', 'join', 'leave', 'mute', 'hold', 'modify', 'speaker', 'announcement'];

function conferenceNoun(el: XmlElement, ctx: ParseContext): ConferenceNoun | null {
  const a = new AttrReader(el, ctx, CONFERENCE_ATTRS);
  const rawWait = a.string('waitUrl');
  const noun: ConferenceNoun = {
    noun: 'Conference',
    name: ownText(el).trim(),
    muted: a.bool('muted', false),
    beep: a.oneOf('beep', ['true', 'false', 'onEnter', 'onExit'] as const, 'true'),
    startConferenceOnEnter: a.bool('startConferenceOnEnter', true),
    endConferenceOnExit: a.bool('endConferenceOnExit', false),
    participantLabel: a.string('participantLabel'),
    jitterBufferSize: a.oneOf('jitterBufferSize', ['small', 'medium', 'large', 'off'] as const, 'large'),
    // Reference §3.2 Conference: waitUrl '' = silence, absent = Twilio's hold playlist.
    waitUrl: rawWait === null ? null : rawWait.trim() === '' ? '' : a.url('waitUrl'),
    waitMethod: a.method('waitMethod'),
    maxParticipants: a.int('maxParticipants', 250, { min: 2, max: 250 }),
    record: a.oneOf('record', ['do-not-record', 'record-from-start'] as const, 'do-not-record'),
    region: a.optionalOneOf('region', ['us1', 'us2', 'ie1', 'de1', 'sg1', 'br1', 'au1', 'jp1'] as const),
    trim: a.oneOf('trim', ['trim-silence', 'do-not-trim'] as const, 'trim-silence'),
    coach: a.string('coach'),
    statusCallback: a.url('statusCallback'),
    statusCallbackMethod: a.method('statusCallbackMethod'),
    statusCallbackEvent: a.list('statusCallbackEvent', CONFERENCE_EVENTS, []),
    recordingStatusCallback: a.url('recordingStatusCallback'),
    recordingStatusCallbackMethod: a.method('recordingStatusCallbackMethod'),
    recordingStatusCallbackEvent: a.list('recordingStatusCallbackEvent', RECORDING_EVENTS, ['completed']),
  };
  a.string('eventCallbackUrl');
  a.string('recordingConfigurationId');
  a.finish();
  childElements(el, [], ctx, true);
  if (noun.name === '') {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Conference> needs a room name');
    return null;
  }
  if (noun.participantLabel !== null && noun.participantLabel.length > 128) {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Conference> participantLabel is longer than 128 characters');
  }
  return noun;
}

function queueNoun(el: XmlElement, ctx: ParseContext): QueueNoun | null {
  const a = new AttrReader(el, ctx, ['url', 'method', 'reservationSid', 'postWorkActivitySid']);
  const noun: QueueNoun = {
    noun: 'Queue',
    name: ownText(el).trim(),
    url: a.url('url'),
    method: a.method('method'),
    reservationSid: a.string('reservationSid'),
    postWorkActivitySid: a.string('postWorkActivitySid'),
  };
  a.finish();
  childElements(el, [], ctx, true);
  if (noun.name === '') {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Queue> needs a queue name');
    return null;
  }
  return noun;
}

export function parseEnqueue(el: XmlElement, ctx: ParseContext): EnqueueVerb | null {
  const a = new AttrReader(el, ctx, ['action', 'method', 'waitUrl', 'waitUrlMethod', 'workflowSid', 'maxQueueSize']);
  const rawWait = a.string('waitUrl');
  const waitUrl = rawWait === null ? null : rawWait.trim() === '' ? '' : a.url('waitUrl');
  const verb: EnqueueVerb = {
    verb: 'Enqueue',
    name: ownText(el).trim(),
    action: a.url('action'),
    method: a.method('method'),
    waitUrl,
    // Reference §3.2 Enqueue: POST when waitUrl is set, else GET to the default playlist.
    waitUrlMethod: a.method('waitUrlMethod', rawWait !== null ? 'POST' : 'GET'),
    workflowSid: a.string('workflowSid'),
    maxQueueSize: a.optionalInt('maxQueueSize', { min: 1, max: 5000 }),
    task: null,
  };
  a.finish();
  const taskEl = childElements(el, ['Task'], ctx, true)[0];
  let task: EnqueueVerb['task'] = null;
  if (taskEl) {
    const ta = new AttrReader(taskEl, ctx, ['priority', 'timeout']);
    task = { attributes: ownText(taskEl).trim(), priority: ta.optionalInt('priority', { min: 0 }), timeout: ta.optionalInt('timeout', { min: 1 }) };
    ta.finish();
  }
  if (verb.name.length > 64 || (verb.name === '' && verb.workflowSid === null)) {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Enqueue> needs a queue name of at most 64 characters (or a workflowSid)');
    return null;
  }
  return { ...verb, task };
}

function streamNoun(el: XmlElement, ctx: ParseContext, needsUrl: boolean): StreamNoun | null {
  const a = new AttrReader(el, ctx, ['url', 'name', 'track', 'statusCallback', 'statusCallbackMethod', 'connectorName']);
  const rawUrl = a.string('url');
  let url = '';
  if (rawUrl !== null) {
    // Stream URLs are websocket URLs: resolve, but allow ws/wss schemes.
    try {
      url = ctx.documentUrl === null ? new URL(rawUrl).toString() : new URL(rawUrl, ctx.documentUrl).toString();
    } catch {
      ctx.warn(ErrorCode.InvalidUrl, `<Stream> url="${rawUrl}" is not a valid URL`);
    }
  }
  const noun: StreamNoun = {
    noun: 'Stream',
    url,
    name: a.string('name'),
    track: a.oneOf('track', ['inbound_track', 'outbound_track', 'both_tracks'] as const, 'inbound_track'),
    statusCallback: a.url('statusCallback'),
    statusCallbackMethod: a.method('statusCallbackMethod'),
    connectorName: a.string('connectorName'),
    parameters: parameters(childElements(el, ['Parameter'], ctx), ctx),
  };
  a.finish();
  if (needsUrl && url === '') {
    ctx.warn(ErrorCode.SchemaValidationWarning, '<Stream> needs a url');
    return null;
  }
  return noun;
}

function nouns(el: XmlElement, ctx: ParseContext, allowed: readonly string[], streamNeedsUrl: boolean): (StreamNoun | OtherNoun)[] {
  const out: (StreamNoun | OtherNoun)[] = [];
  for (const child of childElements(el, allowed, ctx)) {
    if (child.name === 'Stream') {
      const s = streamNoun(child, ctx, streamNeedsUrl);
      if (s) out.push(s);
    } else out.push({ noun: 'Other', name: child.name, attributes: child.attributes });
  }
  return out;
}

export function parseStart(el: XmlElement, ctx: ParseContext): StartVerb {
  const a = new AttrReader(el, ctx, ['action', 'method']);
  const verb = { verb: 'Start' as const, action: a.url('action'), method: a.method('method') };
  a.finish();
  return { ...verb, nouns: nouns(el, ctx, ['Stream', 'Siprec', 'Transcription', 'Recording'], true) };
}

export function parseStop(el: XmlElement, ctx: ParseContext): StopVerb {
  new AttrReader(el, ctx, []).finish();
  return { verb: 'Stop', nouns: nouns(el, ctx, ['Stream', 'Siprec', 'Transcription'], false) };
}

export function parseConnect(el: XmlElement, ctx: ParseContext): ConnectVerb {
  const a = new AttrReader(el, ctx, ['action', 'method']);
  const verb = { verb: 'Connect' as const, action: a.url('action'), method: a.method('method') };
  a.finish();
  const allowed = ['Stream', 'Room', 'Conversation', 'ConversationRelay', 'ConversationRelaySession', 'VirtualAgent', 'Assistant', 'AiSession', 'Autopilot'];
  return { ...verb, nouns: nouns(el, ctx, allowed, true) };
}
