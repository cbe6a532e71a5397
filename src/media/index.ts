// Media engine public surface (DESIGN: media/ — RTP/RTCP, G.711, RFC 4733 DTMF, players, recorder, bridge).
// Real-time core:
export * from './codec/index.js';
export * from './rtp/index.js';
export * from './dtmf/index.js';
export * from './dsp/index.js';
export * from './amd/index.js';
export * from './clock/index.js';
export * from './bridge/index.js';
// --- Colleague's exports (sources, recorder, cache, TTS) go below this line. ---
export * from './source/index.js';
export * from './tts/index.js';
export * from './recorder/index.js';
export * from './cache/index.js';
export * from './session/index.js';
