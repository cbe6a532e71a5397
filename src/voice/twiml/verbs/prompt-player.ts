/**
 * Playing Say / Play / Pause content, shared by those verbs and by `<Gather>`'s nested prompts.
 * Loops follow reference §3.2: `loop="0"` repeats until hangup, capped at 1000 iterations.
 */
import type { AudioSource, PlayResult } from '../call-control.js';
import type { GatherPrompt, PlayVerb, SayVerb } from '../types.js';
import type { VerbContext } from '../verb.js';

export const LOOP_FOREVER_CAP = 1000;

export function sourceOf(verb: SayVerb | PlayVerb): AudioSource {
  if (verb.verb === 'Say') return { kind: 'say', text: verb.text, voice: verb.voice, language: verb.language };
  return verb.digits !== null ? { kind: 'digits', digits: verb.digits } : { kind: 'url', url: verb.url ?? '' };
}

/** Plays `source` `loop` times (0 = until hangup, capped); stops at the first interruption or failure. */
export async function playLoop(ctx: VerbContext, source: AudioSource, loop: number, signal: AbortSignal): Promise<PlayResult> {
  const times = loop === 0 ? LOOP_FOREVER_CAP : loop;
  for (let i = 0; i < times; i++) {
    if (signal.aborted) return { kind: 'interrupted' };
    const result = await ctx.call.play(source, { signal });
    if (result.kind !== 'finished') return result;
  }
  return { kind: 'finished' };
}

/** Reports a media failure as a warning of the call and lets the document go on (the audio is just skipped). */
export function reportFailure(ctx: VerbContext, result: PlayResult, what: string): void {
  if (result.kind === 'failed') ctx.notifier.warn(result.code, `${what}: ${result.message}`);
}

/** Plays one prompt of a Gather (or a bare Say/Play/Pause verb's content). */
export async function playPrompt(ctx: VerbContext, prompt: GatherPrompt, signal: AbortSignal): Promise<PlayResult> {
  if (prompt.verb === 'Pause') return ctx.call.play({ kind: 'silence', ms: prompt.length * 1000 }, { signal });
  if (prompt.verb === 'Say' && prompt.text === '') return { kind: 'finished' };
  const result = await playLoop(ctx, sourceOf(prompt), prompt.loop, signal);
  reportFailure(ctx, result, `<${prompt.verb}>`);
  return result;
}

/** Plays Gather's nested prompts in order until they end or `signal` fires (the first key press does). */
export async function playPrompts(ctx: VerbContext, prompts: readonly GatherPrompt[], signal: AbortSignal): Promise<'finished' | 'interrupted'> {
  for (const prompt of prompts) {
    if (signal.aborted) return 'interrupted';
    const result = await playPrompt(ctx, prompt, signal);
    if (result.kind === 'interrupted') return 'interrupted';
  }
  return signal.aborted ? 'interrupted' : 'finished';
}
