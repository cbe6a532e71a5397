/**
 * The speech half of `<Gather input="speech">` (reference §3.2, §2.5): hands the Gather's speech options to the
 * configured `SpeechRecognizer` and maps its answer to `SpeechResult` / `Confidence`.
 */
import type { SpeechRecognizer } from '../call-control.js';
import type { GatherVerb } from '../types.js';

export type SpeechCollectorResult =
  | { kind: 'speech'; transcript: string; confidence?: number }
  | { kind: 'empty' }
  | { kind: 'aborted' }
  | { kind: 'failed'; message: string };

export async function collectSpeech(recognizer: SpeechRecognizer, verb: GatherVerb, signal: AbortSignal): Promise<SpeechCollectorResult> {
  try {
    const result = await recognizer.recognize({
      language: verb.language,
      hints: verb.hints,
      speechModel: verb.speechModel,
      profanityFilter: verb.profanityFilter,
      enhanced: verb.enhanced,
      timeoutMs: verb.timeout * 1000,
      speechTimeoutMs: verb.speechTimeout === 'auto' ? 'auto' : verb.speechTimeout * 1000,
      maxSpeechTimeMs: verb.maxSpeechTime === null ? null : verb.maxSpeechTime * 1000,
      signal,
    });
    if (signal.aborted) return { kind: 'aborted' };
    if (result === null || result.transcript.trim() === '') return { kind: 'empty' };
    return { kind: 'speech', transcript: result.transcript, confidence: result.confidence };
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted' };
    return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
}
