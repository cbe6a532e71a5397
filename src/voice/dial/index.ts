export { Dialer, type DialParent, type DialerOptions, type LiveChild } from './dialer.js';
export { DialAttempt, type ResolvedTarget } from './dial-attempt.js';
