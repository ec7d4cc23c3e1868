/**
 * A typed client for the adaptive testing API: openapi-fetch over the types generated from the service's
 * openapi.json (./schema.ts), with the caller's credentials on every request.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** The one error body every failed request gets: branch on `code`, never on `message`. */
export type ApiError = components['schemas']['ErrorBodyDto'];

export type AdaptiveTestingClient = Client<paths>;

export interface AdaptiveTestingClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service answers, e.g. `https://cat.example.org` (the paths start with `/v1`). */
  baseUrl: string;
  /** A platform client's key (`cat_<prefix>_<secret>`) or the admin key, sent as `x-api-key`. */
  apiKey?: string;
  /** A candidate's exam token (returned by startExam), sent as `Authorization: Bearer <token>`. */
  examToken?: string;
}

/** Adds the credentials to every request that does not carry its own. */
function credentials(apiKey: string | undefined, examToken: string | undefined): Middleware {
  return {
    onRequest({ request }) {
      if (apiKey !== undefined && !request.headers.has('x-api-key')) request.headers.set('x-api-key', apiKey);
      if (examToken !== undefined && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${examToken}`);
      return request;
    },
  };
}

/**
 * The openapi-fetch client for the service: `client.POST('/v1/exams', { body })` and so on, paths, parameters, bodies
 * and responses all typed from the contract. A route that takes either credential uses the key when both are set.
 */
export function createAdaptiveTestingClient({ apiKey, examToken, ...options }: AdaptiveTestingClientOptions): AdaptiveTestingClient {
  const client = createClient<paths>(options);
  if (apiKey !== undefined || examToken !== undefined) client.use(credentials(apiKey, examToken));
  return client;
}

/** A failed call: the HTTP status and, when the service answered, its error body. */
export class ApiResponseError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | undefined,
  ) {
    super(body ? `${status} ${body.code}: ${body.message}` : `HTTP ${status}`);
    this.name = 'ApiResponseError';
  }
}

/** The data of a successful call; a failed one throws an ApiResponseError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new ApiResponseError(response.status, error as ApiError | undefined);
  return data as T;
}
