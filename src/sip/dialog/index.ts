export {
  Dialog, dialogKey, type DialogId, type DialogInit, type DialogLocal, type DialogState, type DialogRequestCheck,
} from './dialog.js';
