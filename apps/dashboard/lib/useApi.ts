'use client';
/** A GET of the API as React state: the body, a readable error, and a reload. Stale answers are dropped. */
import { useCallback, useEffect, useState } from 'react';
import { handleAuthError } from '@/components/Shell';
import { api, ApiError } from './api';

export interface ApiState<T> {
  data: T | null;
  error: string | null;
  /** The API's status of the error (403: not permitted), 0 for none. */
  status: number;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; status: number; loading: boolean }>({
    data: null,
    error: null,
    status: 0,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the reload trigger (reload() bumps it); the effect does not read it
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api<T>(path, { signal: ctl.signal })
      .then((data) => setState({ data, error: null, status: 0, loading: false }))
      .catch((e: unknown) => {
        if (ctl.signal.aborted || handleAuthError(e)) return;
        const status = e instanceof ApiError ? e.status : 0;
        const error =
          status === 403
            ? 'Not permitted: your role cannot read this.'
            : e instanceof ApiError
              ? e.message
              : 'The API could not be reached.';
        setState({ data: null, error, status, loading: false });
      });
    return () => ctl.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
