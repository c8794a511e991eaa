import { localDateTime, relativeTime } from '../lib/format';

/** A time in the reader's local zone, the exact ISO time in the tooltip. */
export function Time({ iso, relative = false }: { iso: string | null | undefined; relative?: boolean }) {
  if (!iso) return <span class="muted">—</span>;
  const local = localDateTime(iso);
  return (
    <time dateTime={iso} title={iso}>
      {relative ? `${relativeTime(iso)} (${local})` : local}
    </time>
  );
}
