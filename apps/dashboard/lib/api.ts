/**
 * The dashboard's only way to data: same-origin fetches of the edge API with the session cookie
 * (httpOnly, so script never sees it). Changes carry the session's CSRF token, which lives in
 * memory only (never localStorage) and is fetched again after a reload.
 */
import type { SessionInfo } from './types';

/** An error answer of the API: its status and `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** Remembers the CSRF token of the current session (from sign-in or GET /v1/auth/session). */
export function setSession(s: SessionInfo | null): void {
  csrfToken = s?.csrfToken ?? null;
}

/** The headers a cookie-authenticated change needs (the CSRF token), for callers that fetch on their own. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

/**
 * Fetches the session again (after a 401 mid-upload: the token may have been rotated). True when
 * the session is still valid; the new CSRF token is remembered.
 */
export async function renewSession(): Promise<boolean> {
  try {
    setSession(await api<SessionInfo>('/v1/auth/session'));
    return true;
  } catch {
    return false;
  }
}

/** Calls the API; resolves to the JSON body, or throws ApiError. */
export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; text?: { body: string; contentType: string }; signal?: AbortSignal; background?: boolean } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  // Automatic refreshes say so: they do not keep the session from reaching its idle timeout.
  if (init.background) headers['x-embolus-background'] = '1';
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  else if (init.text) headers['content-type'] = init.text.contentType;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.text ? { body: init.text.body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'the API cannot be reached');
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'HTTP_ERROR', err?.message ?? `the API answered ${res.status}`);
  }
  return body as T;
}

/** The sign-in page's URL, coming back to the current page afterwards. */
export function signInUrl(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here === '/' || here.startsWith('/sign-in') ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`;
}
