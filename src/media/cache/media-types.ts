/**
 * `<Play>` media types (Twilio's list: audio/mpeg, audio/wav, audio/wave, audio/x-wav, audio/aiff, audio/x-aifc,
 * audio/x-aiff, audio/x-gsm, audio/gsm, audio/ulaw) → how we decode them.
 */
import { type AudioContainer, sniffContainer } from '../source/index.js';
import { MediaError } from './media-error.js';

const DECODABLE: Record<string, AudioContainer> = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3', // not registered, but common
  'audio/mpeg3': 'mp3',
  'audio/x-mpeg-3': 'mp3',
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav', // RFC 2361
  'audio/ulaw': 'ulaw',
};

/** On Twilio's list, not decoded here yet. */
const KNOWN_UNSUPPORTED = new Set(['audio/aiff', 'audio/x-aiff', 'audio/x-aifc', 'audio/gsm', 'audio/x-gsm']);

/** Types that say nothing about the content; we look at the bytes instead. */
const GENERIC = new Set(['application/octet-stream', 'binary/octet-stream', '']);

/** Pick the decoder for a response, or throw `invalid-content-type` / `unsupported-media`. */
export function containerFor(contentType: string | null, body: Uint8Array, url: string | null): AudioContainer {
  // RFC 9110 §8.3.1: type/subtype are case-insensitive; parameters follow ';'.
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const known = DECODABLE[type];
  if (known) return known;
  if (KNOWN_UNSUPPORTED.has(type)) {
    throw new MediaError('unsupported-media', `${type} media is not supported yet`, { status: 200, url });
  }
  if (GENERIC.has(type)) {
    const sniffed = sniffContainer(body);
    if (sniffed) return sniffed;
  }
  throw new MediaError('invalid-content-type', `content type ${type || '(none)'} is not playable audio`, { status: 200, url });
}
