/** Domain errors; the API maps each `code` to one HTTP status in one place. */
export interface Issue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: "NOT_FOUND" | "CONFLICT" | "VALIDATION_FAILED" | "UNAUTHENTICATED" | "FORBIDDEN" | "RATE_LIMITED",
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const conflict = (message: string) => new DomainError("CONFLICT", message);
export const validationFailed = (message: string, issues: Issue[]) => new DomainError("VALIDATION_FAILED", message, issues);
/** No credentials, or credentials that are not (or no longer) valid: 401. */
export const unauthenticated = (message: string) => new DomainError("UNAUTHENTICATED", message);
/** The caller can see the project but its role does not allow this: 403. */
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);

/** Too many attempts: 429 with Retry-After. */
export class RateLimited extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("RATE_LIMITED", message);
    this.name = "RateLimited";
  }
}
