// The service's REST API as the demo pages call it: same origin, JSON in and out, errors in the service's one shape.

/** An answer outside 2xx: `code` is the service's stable error code (`{ statusCode, code, message }`). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `The service answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? `HTTP_${status}`;
  }
}

/**
 * One request. A body is sent as JSON; a POST without one sends no content type (an empty JSON body is a 400).
 * Cookies are never sent: every credential is a header the page sets itself.
 */
export async function api(method, path, { body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'NETWORK_ERROR', message: 'The service could not be reached. Check the connection and try again.' });
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** The body as JSON; null when empty or not JSON (a proxy's HTML error page, say). */
function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Shows an error (or hides the box when `error` is null) in a `role="alert"` element. */
export function showError(box, error) {
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.textContent = error instanceof ApiError ? `${error.message} (${error.code})` : String(error.message ?? error);
  box.hidden = false;
}

/**
 * A runner for user actions: while one runs, further ones are dropped; a failure is shown in `box` (cleared when the
 * next action starts) instead of escaping as an unhandled rejection.
 */
export function oneAtATime(box) {
  let running = false;
  return async (work) => {
    if (running) return;
    running = true;
    showError(box, null);
    try {
      await work();
    } catch (error) {
      showError(box, error);
    } finally {
      running = false;
    }
  };
}
