export {
  type CallLimits, type OutboundCallQueueOptions, type QueuedCall, type ReleasedCall, type SubmitResult, OutboundCallQueue,
} from './outbound-call-queue.js';
