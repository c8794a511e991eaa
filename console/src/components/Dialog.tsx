import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { uniqueId } from './Field';

/**
 * A modal dialog on the native <dialog> (the browser keeps focus inside and makes the rest
 * inert); focus returns to whatever opened it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useRef(uniqueId('dialog-title'));
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return undefined;
    const opener = document.activeElement as HTMLElement | null;
    if (typeof element.showModal === 'function') element.showModal();
    else element.setAttribute('open', '');
    const first = element.querySelector<HTMLElement>('[data-autofocus], input, select, textarea, button');
    first?.focus();
    const closed = () => onClose.current();
    element.addEventListener('close', closed);
    return () => {
      element.removeEventListener('close', closed);
      if (element.open) element.close();
      // The opener may be gone or disabled (a submit button during its request): then the
      // page heading is the sensible place to continue from.
      if (opener && opener !== document.body && opener.isConnected && !opener.hasAttribute('disabled')) opener.focus();
      else document.querySelector<HTMLElement>('main h1')?.focus();
    };
  }, []);

  return (
    <dialog ref={dialog} class="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId.current}>
      <h2 id={titleId.current}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
}) {
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div class="dialog-body">{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
