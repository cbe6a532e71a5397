/**
 * `<Gather>` (reference §3.1, §3.2): plays its nested Say/Play/Pause while collecting DTMF and/or speech.
 * - No input → the next verb, unless `actionOnEmptyResult="true"`.
 * - Input → request `action` (default: the current document URL) with `Digits`, or `SpeechResult`/`Confidence`.
 * - `input` with speech and no `SpeechRecognizer` configured → a Notification says so and DTMF (if asked for)
 *   carries on alone; a speech-only Gather then ends as "no input".
 */
import { ErrorCode } from '../../../core/index.js';
import type { WebhookParams } from '../../webhook/params.js';
import type { GatherVerb } from '../types.js';
import { type VerbContext, type VerbDefinition, type VerbOutcome, actionTarget } from '../verb.js';
import { DigitCollector, type DigitCollectorResult } from './gather-digits.js';
import { type SpeechCollectorResult, collectSpeech } from './gather-speech.js';
import { playPrompts } from './prompt-player.js';

type Input = DigitCollectorResult | SpeechCollectorResult;

export const gather: VerbDefinition<GatherVerb> = {
  needs: 'answered',
  async run(verb: GatherVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const inner = new AbortController();
    const stopInner = () => inner.abort();
    ctx.signal.addEventListener('abort', stopInner, { once: true });
    const prompts = new AbortController();
    const stopPrompts = () => prompts.abort();
    inner.signal.addEventListener('abort', stopPrompts, { once: true });
    try {
      let speech = verb.input.speech;
      if (speech && ctx.speech === null) {
        ctx.notifier.warn(
          ErrorCode.SchemaValidationWarning,
          `<Gather input="${verb.input.dtmf ? 'dtmf speech' : 'speech'}">: no speech recognizer is configured on this server; ` +
            (verb.input.dtmf ? 'collecting DTMF only' : 'treating as no input'),
        );
        speech = false;
      }
      const digits = verb.input.dtmf
        ? new DigitCollector(ctx.call, ctx.clock, { timeoutMs: verb.timeout * 1000, finishOnKey: verb.finishOnKey, numDigits: verb.numDigits, onFirstKey: stopPrompts }, inner.signal)
        : null;

      await playPrompts(ctx, verb.prompts, prompts.signal);
      if (ctx.signal.aborted) return { kind: 'aborted' };
      digits?.promptsFinished();

      const contenders: Promise<Input>[] = [];
      if (digits) contenders.push(digits.result);
      if (speech && ctx.speech) contenders.push(collectSpeech(ctx.speech, verb, inner.signal));
      const input: Input = contenders.length === 0 ? { kind: 'empty' } : await Promise.race(contenders);
      inner.abort(); // stop whichever input did not win
      if (ctx.signal.aborted || input.kind === 'aborted') return { kind: 'aborted' };

      let params: WebhookParams | null = null;
      if (input.kind === 'digits') params = { Digits: input.digits };
      else if (input.kind === 'speech') {
        params = input.confidence === undefined ? { SpeechResult: input.transcript } : { SpeechResult: input.transcript, Confidence: String(input.confidence) };
      } else if (input.kind === 'failed') {
        ctx.notifier.warn(ErrorCode.SchemaValidationWarning, `<Gather> speech recognition failed: ${input.message}`);
      }
      if (params === null && !verb.actionOnEmptyResult) return { kind: 'next' };
      const target = actionTarget(verb.action, verb.method, ctx);
      if (target === null) {
        ctx.notifier.warn(ErrorCode.InvalidUrl, '<Gather> in inline TwiML needs an absolute action URL');
        return { kind: 'next' };
      }
      return { kind: 'request', target, params: params ?? {} };
    } finally {
      ctx.signal.removeEventListener('abort', stopInner);
      inner.abort();
    }
  },
};
