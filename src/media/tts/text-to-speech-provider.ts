/** One `<Say>` render request, with TwiML's attribute values as written. */
export interface SpeechRequest {
  text: string;
  /** TwiML `voice`: `man`, `woman`, `alice`, `Polly.<Name>[-Neural|-Generative]`, `Google.<lang>-<Model>-<X>`. */
  voice?: string;
  /** TwiML `language` (BCP-47), e.g. `en-US`. */
  language?: string;
  signal?: AbortSignal;
}

export interface SpeechAudio {
  /** A complete audio file. */
  audio: Buffer;
  contentType: 'audio/wav' | 'audio/mpeg' | 'audio/ulaw';
}

/**
 * Text-to-speech behind one small interface: the embedded espeak-ng engine by default, cloud services (Polly,
 * Google) as other implementations. Renders go through the media cache, keyed by `name` + voice + language + text.
 */
export interface TextToSpeechProvider {
  /** Stable identifier, part of the cache key; change it when a new engine version changes the sound. */
  readonly name: string;
  synthesize(request: SpeechRequest): Promise<SpeechAudio>;
}
