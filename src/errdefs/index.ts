// Typed errors with stable codes. Every layer throws these; each front end
// (CLI exit codes, Docker HTTP statuses, CRI gRPC statuses) maps them once, here.

export type ErrorCode =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'failed-precondition' // e.g. "container not running", state conflicts
  | 'conflict' // docker's name-in-use and similar 409s
  | 'unauthorized'
  | 'permission-denied'
  | 'unavailable'
  | 'not-implemented'
  | 'cancelled'
  | 'internal';

export class GantryError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'GantryError';
  }
}

export const notFound = (msg: string, cause?: unknown) => new GantryError('not-found', msg, { cause });
export const alreadyExists = (msg: string, cause?: unknown) => new GantryError('already-exists', msg, { cause });
export const invalidArgument = (msg: string, cause?: unknown) => new GantryError('invalid-argument', msg, { cause });
export const failedPrecondition = (msg: string, cause?: unknown) => new GantryError('failed-precondition', msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new GantryError('conflict', msg, { cause });
export const unauthorized = (msg: string, cause?: unknown) => new GantryError('unauthorized', msg, { cause });
export const permissionDenied = (msg: string, cause?: unknown) => new GantryError('permission-denied', msg, { cause });
export const unavailable = (msg: string, cause?: unknown) => new GantryError('unavailable', msg, { cause });
export const notImplemented = (msg: string, cause?: unknown) => new GantryError('not-implemented', msg, { cause });
export const internal = (msg: string, cause?: unknown) => new GantryError('internal', msg, { cause });

export function errorCode(err: unknown): ErrorCode {
  return err instanceof GantryError ? err.code : 'internal';
}

export const isNotFound = (err: unknown) => errorCode(err) === 'not-found';
export const isAlreadyExists = (err: unknown) => errorCode(err) === 'already-exists';
export const isInvalidArgument = (err: unknown) => errorCode(err) === 'invalid-argument';
export const isConflict = (err: unknown) => errorCode(err) === 'conflict';

/** Prefixes a step name onto an error while keeping its code (runc-style "step: cause"). */
export function wrap(step: string, err: unknown): GantryError {
  const message = err instanceof Error ? err.message : String(err);
  return new GantryError(errorCode(err), `${step}: ${message}`, { cause: err });
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  'not-found': 404,
  'already-exists': 409,
  'invalid-argument': 400,
  'failed-precondition': 409,
  conflict: 409,
  unauthorized: 401,
  'permission-denied': 403,
  unavailable: 503,
  'not-implemented': 501,
  cancelled: 499,
  internal: 500,
};

/** gRPC status codes (numeric, as in google.rpc.Code). */
const GRPC_STATUS: Record<ErrorCode, number> = {
  'not-found': 5,
  'already-exists': 6,
  'invalid-argument': 3,
  'failed-precondition': 9,
  conflict: 6,
  unauthorized: 16,
  'permission-denied': 7,
  unavailable: 14,
  'not-implemented': 12,
  cancelled: 1,
  internal: 13,
};

export const httpStatus = (err: unknown) => HTTP_STATUS[errorCode(err)];
export const grpcStatus = (err: unknown) => GRPC_STATUS[errorCode(err)];

/** Docker CLI convention: 125 when the engine itself failed. */
export const ENGINE_EXIT_CODE = 125;
