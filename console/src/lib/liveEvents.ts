// One EventSource for the whole console: every view that lists messages subscribes to it.
import { useEffect, useRef } from 'preact/hooks';

type Listener = () => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

function open(): void {
  if (typeof EventSource === 'undefined') return;
  // A stream the server ended for good (a 401 after the session expired) is opened anew.
  if (source && source.readyState !== EventSource.CLOSED) return;
  source?.close();
  source = new EventSource('/api/v1/events', { withCredentials: true });
  source.addEventListener('change', () => {
    for (const listener of listeners) listener();
  });
  // EventSource reconnects by itself after a network error; a closed stream (e.g. 401 or a
  // 404 from a server without the endpoint) is not retried, which is what we want.
}

function closeWhenUnused(): void {
  if (listeners.size === 0 && source) {
    source.close();
    source = null;
  }
}

export function closeLiveEvents(): void {
  listeners.clear();
  closeWhenUnused();
}

/** Calls onChange (at most every delayMs) when messages or recipients change on the server. */
export function useLiveChanges(onChange: () => void, delayMs = 750): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    let timer: number | undefined;
    const listener = () => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        callback.current();
      }, delayMs);
    };
    listeners.add(listener);
    open();
    return () => {
      listeners.delete(listener);
      if (timer !== undefined) clearTimeout(timer);
      closeWhenUnused();
    };
  }, [delayMs]);
}
