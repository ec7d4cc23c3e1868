import { HttpException } from '@nestjs/common';
import { type ErrorCode, HTTP_STATUS_OF } from './error-code.js';

/** The one error body every failed request gets. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** An error meant for the client: its code picks the HTTP status, its message is safe to show. */
export class ApiException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    const statusCode = HTTP_STATUS_OF[code];
    const body: ErrorBody = { statusCode, code, message, ...(details === undefined ? {} : { details }) };
    super(body, statusCode);
  }
}
