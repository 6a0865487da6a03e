export const VERSION = '0.1.0';
export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';
