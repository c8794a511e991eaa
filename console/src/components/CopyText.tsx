import { useRef, useState } from 'preact/hooks';

/**
 * A value to copy (a DNS record, an API key): a Copy button, and when the clipboard is not
 * available (plain HTTP, an old browser) the text is selected so the reader can copy it.
 */
export function CopyText({ value, label }: { value: string; label: string }) {
  const text = useRef<HTMLElement>(null);
  const [status, setStatus] = useState('');

  const selectText = () => {
    const element = text.current;
    if (!element) return;
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      setStatus('Copied.');
    } catch {
      selectText();
      setStatus('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };

  return (
    <div class="copy">
      <code class="copy-value" ref={text} tabIndex={0} aria-label={label}>
        {value}
      </code>
      <button type="button" onClick={copy}>
        Copy<span class="visually-hidden"> {label}</span>
      </button>
      <span class="copy-status" role="status">
        {status}
      </span>
    </div>
  );
}
