/** The verbs this interpreter runs, one file each (DESIGN: one file per TwiML verb in `voice/twiml/verbs/`). */
import type { VerbRegistry } from '../verb.js';
import { dial } from './dial.js';
import { gather } from './gather.js';
import { hangup } from './hangup.js';
import { pause } from './pause.js';
import { play } from './play.js';
import { record } from './record.js';
import { redirect } from './redirect.js';
import { reject } from './reject.js';
import { say } from './say.js';

/**
 * Say, Play, Pause, Gather, Record, Redirect, Hangup, Reject, Dial. Enqueue, Leave, Start, Stop and Connect are
 * parsed into typed objects but have no entry yet: later work adds them here.
 */
export const defaultVerbs: VerbRegistry = {
  Say: say,
  Play: play,
  Pause: pause,
  Gather: gather,
  Record: record,
  Redirect: redirect,
  Hangup: hangup,
  Reject: reject,
  Dial: dial,
};

export { say, play, pause, gather, record, redirect, hangup, reject, dial };
export { DigitCollector, type DigitCollectorResult, type DigitCollectorOptions } from './gather-digits.js';
export { collectSpeech, type SpeechCollectorResult } from './gather-speech.js';
export { playLoop, playPrompts, LOOP_FOREVER_CAP } from './prompt-player.js';
