export {
  MULAW_ENCODE_TABLE, MULAW_DECODE_TABLE, mulawEncodeSample, mulawDecodeSample, mulawEncode, mulawDecode,
} from './mulaw.js';
export {
  ALAW_ENCODE_TABLE, ALAW_DECODE_TABLE, alawEncodeSample, alawDecodeSample, alawEncode, alawDecode,
} from './alaw.js';
export { MULAW_TO_ALAW, ALAW_TO_MULAW, transcode } from './transcode.js';
export { G711Codec, type G711Law } from './g711-codec.js';
