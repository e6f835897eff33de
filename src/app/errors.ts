// The shell's one error type. Use cases throw it (or return it); the HTTP layer maps `code` to a
// status and an RFC 9457 problem document, the CLI to an exit code.

/** Stable error codes and the HTTP status each maps to. */
export const ERROR_STATUS = {
  invalid_input: 400,
  unauthenticated: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  version_conflict: 409,
  duplicate_open_request: 409,
  idempotency_in_flight: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One field that was wrong: its JSON path (or parameter name) and what was wrong with it. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** An expected failure with a stable code, a message for people and, where known, the fields. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: readonly FieldError[] = [],
    /** Extra members for the problem document (e.g. the current state on a 409). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** 400 naming one field. */
export function invalidField(path: string, message: string): AppError {
  return new AppError("invalid_input", `${path}: ${message}`, [{ path, message }]);
}

/** 404, worded the same whether the thing is missing or not the caller's. */
export function notFound(what: string): AppError {
  return new AppError("not_found", `${what} not found`);
}
