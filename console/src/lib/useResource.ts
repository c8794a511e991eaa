// Loads one API resource for a view, with loading and error states and a reload.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get } from '../api';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** Fetches again; quiet keeps the current data on screen while it loads. */
  reload: (quiet?: boolean) => Promise<void>;
  setData: (data: T) => void;
}

export function useResource<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(path !== null);
  // Only the newest request may update the state: an older, slower answer must not win.
  const latest = useRef(0);

  const load = useCallback(
    async (quiet = false) => {
      if (path === null) return;
      const request = ++latest.current;
      if (!quiet) setLoading(true);
      try {
        const result = await get<T>(path);
        if (request !== latest.current) return;
        setData(result);
        setError(null);
      } catch (cause) {
        if (request !== latest.current) return;
        setError(cause instanceof ApiError ? cause : new ApiError(0, 'client', String(cause)));
      } finally {
        if (request === latest.current) setLoading(false);
      }
    },
    [path],
  );

  useEffect(() => {
    setData(undefined);
    setError(null);
    void load();
    return () => {
      latest.current++;
    };
  }, [load]);

  return { data, error, loading, reload: load, setData };
}

/** Runs an action (a POST, a DELETE) and keeps its pending state, error and result message. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState('');

  const run = useCallback(async <R,>(action: () => Promise<R>, success?: (result: R) => string): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    setMessage('');
    try {
      const result = await action();
      if (success) setMessage(success(result));
      return result;
    } catch (cause) {
      setError(cause instanceof ApiError ? cause : new ApiError(0, 'client', String(cause)));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);

  return { pending, error, message, run, setMessage, setError };
}
