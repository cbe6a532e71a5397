/**
 * The parameters Patchbay sends to a voice application (reference §2.1) and the form encoding they travel in.
 */
import type { AnsweredBy } from '../../media/index.js';
import type { CallDirection, CallStatus } from '../../store/index.js';

export type HttpMethod = 'GET' | 'POST';

/** Request parameters as sent: name → value. Order is irrelevant (signatures sort the names, reference §5). */
export type WebhookParams = Readonly<Record<string, string>>;

/**
 * The standard parameters of every voice webhook (reference §2.1). The caller fills them from the call; the webhook
 * layer adds nothing to them. Geo fields and the optional ones are sent only when known.
 */
export interface StandardCallParameters {
  CallSid: string;
  AccountSid: string;
  From: string;
  To: string;
  CallStatus: CallStatus;
  ApiVersion: '2010-04-01';
  Direction: Extract<CallDirection, 'inbound' | 'outbound-api' | 'outbound-dial'>;
  ForwardedFrom?: string;
  CallerName?: string;
  ParentCallSid?: string;
  CallToken?: string;
  Caller?: string;
  Called?: string;
  FromCity?: string;
  FromState?: string;
  FromZip?: string;
  FromCountry?: string;
  ToCity?: string;
  ToState?: string;
  ToZip?: string;
  ToCountry?: string;
  CalledCity?: string;
  CalledState?: string;
  CalledZip?: string;
  CalledCountry?: string;
  CallerCity?: string;
  CallerState?: string;
  CallerZip?: string;
  CallerCountry?: string;
  /** Answering machine detection's result, once there is one (reference §2.1). */
  AnsweredBy?: AnsweredBy;
  /** Milliseconds from the answer to that result. */
  MachineDetectionDuration?: string;
}

/** Drops absent values so that only what is known is sent. */
export function toWebhookParams(...sources: ReadonlyArray<Readonly<Record<string, string | number | undefined | null>>>): WebhookParams {
  const out: Record<string, string> = {};
  for (const source of sources) {
    for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

/** The standard parameters as sent (absent optional ones left out). */
export function standardParams(p: StandardCallParameters): WebhookParams {
  const record: Readonly<Record<string, string | undefined>> = { ...p };
  return toWebhookParams(record);
}

/** `application/x-www-form-urlencoded` per the WHATWG URL standard (spaces as `+`), in insertion order. */
export function formEncode(params: WebhookParams): string {
  return new URLSearchParams(Object.entries(params)).toString();
}

/** Appends parameters to a URL's query string (GET webhooks carry their parameters there, reference §2.1). */
export function withQuery(url: string, params: WebhookParams): string {
  const query = formEncode(params);
  if (query === '') return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return base + sep + query;
}
