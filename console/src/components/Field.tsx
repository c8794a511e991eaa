import type { ComponentChildren } from 'preact';

let counter = 0;
/** A unique id for pairing a label and its control. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled control with an optional hint and error, tied together with aria-describedby. */
export function Field(props: { id: string; label: string; hint?: string; error?: string; children: ComponentChildren }) {
  const { id, label, hint, error, children } = props;
  return (
    <div class={'field' + (error ? ' field-invalid' : '')}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={id + '-hint'}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={id + '-error'}>
          {error}
        </p>
      )}
    </div>
  );
}

export function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? id + '-hint' : '', error ? id + '-error' : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}
