// The engine's version and the Docker Engine API versions it serves.
export const ENGINE_VERSION = '0.1.0';
/** The newest Docker Engine API version served (the swagger in shared/spec). */
export const ENGINE_API_VERSION = '1.47';
export const ENGINE_MIN_API_VERSION = '1.24';
