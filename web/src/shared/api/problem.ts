// RFC 9457 problem documents as the API sends them (application/problem+json), and the error the
// web app raises for a refused call. Field errors name a path such as `body.description`.

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** Whether a parsed body is a problem document. */
export function isProblem(body: unknown): body is Problem {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as Problem).code === "string" &&
    typeof (body as Problem).status === "number"
  );
}

/** A call the API refused (or could not answer): the status and, when sent, the problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = "ApiError";
  }
}

/** The API's message for one field (`description` matches `body.description`), if any. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || error.problem === null) return undefined;
  const hit = (error.problem.errors ?? []).find(
    (e) => e.path === field || e.path.endsWith(`.${field}`),
  );
  return hit?.message;
}

/** Whether an error is the API's "not found" (also what a foreign id answers). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Whether an error says the caller is not signed in. */
export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
