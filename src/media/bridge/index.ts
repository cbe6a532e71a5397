export { MediaBridge, type MediaBridgeLeg, type MediaBridgeStats } from './media-bridge.js';
