// The CLI's version and the newest API version it speaks as a client: the engine's (one source, src/engine/version.ts).
export { ENGINE_VERSION as VERSION, ENGINE_API_VERSION as API_VERSION, ENGINE_MIN_API_VERSION as MIN_API_VERSION } from '../engine/version.js';
