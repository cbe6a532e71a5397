export { type Clock, type TimerHandle, systemClock } from './clock.js';
export { FakeClock } from './fake-clock.js';
export { type AdmissionControl, LoadMonitor, type LoadMonitorOptions, alwaysAdmit } from './load-monitor.js';
export { DRAIN_RETRY_AFTER_S, NodeAdmission } from './node-admission.js';
export { newSid, isSid, type SidPrefix } from './sid.js';
export { rfc2822, rfc2822OrNull, parseFilterDate } from './dates.js';
export { isE164, formatNumber } from './e164.js';
export { NODE_ID_FILE, loadOrCreateNodeId } from './node-id.js';
export { readOrCreateDataFile } from './data-file.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export {
  ErrorCode, type ErrorCodeValue, TwilioError, notFound, authenticationFailed, invalidParameter, missingParameter,
} from './errors.js';
