import type { Tone } from '../lib/statuses';

/** A status word with a tone; the word carries the meaning, the colour only repeats it. */
export function Badge({ tone, children }: { tone: Tone; children: string }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}
