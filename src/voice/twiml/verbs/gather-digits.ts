/**
 * The DTMF half of `<Gather>` (reference §3.2): keys are collected from the moment the Gather starts, so the first
 * key also interrupts the nested prompts; the `timeout` clock starts when the prompts end and restarts with every
 * key; input ends on `finishOnKey` (not included in `Digits`; '' disables it), on `numDigits`, or on the timeout.
 */
import type { Clock, TimerHandle } from '../../../core/index.js';
import type { CallControl } from '../call-control.js';

export type DigitCollectorResult =
  | { kind: 'digits'; digits: string; reason: 'finishOnKey' | 'numDigits' | 'timeout' }
  | { kind: 'empty'; reason: 'timeout' }
  | { kind: 'aborted' };

export interface DigitCollectorOptions {
  timeoutMs: number;
  finishOnKey: string;
  numDigits: number | null;
  /** Called on the first key, to stop the prompts. */
  onFirstKey?: () => void;
}

const DTMF_KEY = /^[0-9A-D*#]$/;

export class DigitCollector {
  readonly result: Promise<DigitCollectorResult>;
  private resolve!: (result: DigitCollectorResult) => void;
  private digits = '';
  private pressed = false;
  private done = false;
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | null = null;
  private readonly onAbort = () => this.finish({ kind: 'aborted' });

  constructor(
    call: Pick<CallControl, 'onDtmf'>,
    private readonly clock: Clock,
    private readonly options: DigitCollectorOptions,
    private readonly signal: AbortSignal,
  ) {
    this.result = new Promise((resolve) => (this.resolve = resolve));
    const unsubscribe = call.onDtmf((key) => this.onKey(key));
    // A key delivered during subscription may already have finished us.
    if (this.done) unsubscribe();
    else this.unsubscribe = unsubscribe;
    if (signal.aborted) this.finish({ kind: 'aborted' });
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The prompts are over: start waiting `timeout` for (more) input, unless a key already started it. */
  promptsFinished(): void {
    if (!this.done && !this.pressed) this.arm();
  }

  stop(): void {
    this.finish({ kind: 'aborted' });
  }

  private arm(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.finish(this.digits === '' ? { kind: 'empty', reason: 'timeout' } : { kind: 'digits', digits: this.digits, reason: 'timeout' });
    }, this.options.timeoutMs);
  }

  private onKey(key: string): void {
    if (this.done || !DTMF_KEY.test(key)) return;
    if (!this.pressed) {
      this.pressed = true;
      this.options.onFirstKey?.();
    }
    if (this.options.finishOnKey !== '' && key === this.options.finishOnKey) {
      // With nothing before it, the finish key itself is reported as the input ([3P]: Digits=%23 when only '#' is
      // pressed; Twilio's own page does not say).
      this.finish({ kind: 'digits', digits: this.digits === '' ? key : this.digits, reason: 'finishOnKey' });
      return;
    }
    this.digits += key;
    if (this.options.numDigits !== null && this.digits.length >= this.options.numDigits) {
      this.finish({ kind: 'digits', digits: this.digits, reason: 'numDigits' });
      return;
    }
    this.arm();
  }

  private finish(result: DigitCollectorResult): void {
    if (this.done) return;
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.signal.removeEventListener('abort', this.onAbort);
    this.resolve(result);
  }
}
