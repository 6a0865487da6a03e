// Errors with a gRPC status of their own, for the few statuses that have no
// GantryError code (DEADLINE_EXCEEDED of a timed-out ExecSync).
export class GrpcStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const DEADLINE_EXCEEDED = 4;
