import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A view's heading; it takes focus on arrival so screen readers announce the new page. */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · outpost`;
    heading.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <>
      <div class="page-header">
        <h1 ref={heading} tabIndex={-1}>
          {props.title}
        </h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </>
  );
}

/** Wraps a wide table so it scrolls sideways on a phone instead of breaking the layout. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'warning' | 'success'; children: ComponentChildren }) {
  return <div class={`notice notice-${kind}`}>{children}</div>;
}

/** A region whose changes screen readers read out (results of actions, live updates). */
export function LiveMessage({ children }: { children: ComponentChildren }) {
  return (
    <p class="live-message" role="status" aria-live="polite">
      {children}
    </p>
  );
}
