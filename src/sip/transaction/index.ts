export { DEFAULT_TIMER_SETTINGS, timerTable, type TimerName, type TimerSettings, type TimerTable } from './timers.js';
export {
  TransactionStateError, type OutgoingResponse, type ResponseView, type TransactionContext, type TransactionTransport,
} from './transaction-types.js';
export { Transaction, type TransactionTimer } from './transaction.js';
export {
  InviteClientTransaction, type InviteClientTransactionState, type InviteClientTransactionUser,
  type InviteClientTransactionOptions,
} from './invite-client-transaction.js';
export {
  NonInviteClientTransaction, type NonInviteClientTransactionState, type NonInviteClientTransactionUser,
  type NonInviteClientTransactionOptions,
} from './non-invite-client-transaction.js';
export {
  InviteServerTransaction, type InviteServerTransactionState, type InviteServerTransactionUser,
  type InviteServerTransactionOptions,
} from './invite-server-transaction.js';
export {
  NonInviteServerTransaction, type NonInviteServerTransactionState, type NonInviteServerTransactionUser,
  type NonInviteServerTransactionOptions,
} from './non-invite-server-transaction.js';
export {
  BRANCH_MAGIC_COOKIE, hasMagicCookie, clientTransactionKey, serverTransactionKey, mergeKey,
  type RequestKeyView, type ResponseKeyView,
} from './transaction-key.js';
export {
  TransactionLayer, type TransactionLayerOptions, type RequestDisposition, type ClientTransaction, type ServerTransaction,
} from './transaction-layer.js';
export { createNon2xxAck } from './non-2xx-ack.js';
