import type { AdmissionControl } from './load-monitor.js';

/** Retry-After of a draining node's 503 (s): it will not take calls again, so a proxy should try elsewhere. */
export const DRAIN_RETRY_AFTER_S = 30;

/**
 * What this node admits (DESIGN Scale-out: "a node that is draining refuses new calls and finishes its own"): nothing
 * new once it drains, otherwise what overload control admits. SIP asks `refuse()` before new out-of-dialog work, and
 * the outbound call queue holds its calls while `overloaded`; calls already up carry on either way.
 */
export class NodeAdmission implements AdmissionControl {
  private drainStarted = false;

  constructor(private readonly load: AdmissionControl | null) {}

  get draining(): boolean {
    return this.drainStarted;
  }

  /** From now on refuse new work; there is no way back short of a restart. */
  drain(): void {
    this.drainStarted = true;
  }

  refuse(): number | undefined {
    return this.drainStarted ? DRAIN_RETRY_AFTER_S : this.load?.refuse();
  }

  get overloaded(): boolean {
    return this.drainStarted || (this.load?.overloaded ?? false);
  }
}
