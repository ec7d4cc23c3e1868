import { HttpException } from '@nestjs/common';
import { type ErrorCode, errorCodeForStatus, HTTP_STATUS_OF } from './error-code.js';

/** The one error body every failed request gets. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The body of one of our errors: its code picks the HTTP status. */
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { statusCode: HTTP_STATUS_OF[code], code, message, ...(details === undefined ? {} : { details }) };
}

/** The body for an HTTP status the framework chose (408, 431, …): the code follows from the status. */
export function statusErrorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, code: errorCodeForStatus(statusCode), message };
}

/** An error meant for the client: its code picks the HTTP status, its message is safe to show. */
export class ApiException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    const body = errorBody(code, message, details);
    super(body, body.statusCode);
  }

  get body(): ErrorBody {
    return this.getResponse() as ErrorBody;
  }
}
