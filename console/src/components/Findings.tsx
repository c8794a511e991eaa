import type { Finding } from '../api';
import { Badge } from './Badge';

const SEVERITY_TONES = { error: 'bad', warning: 'warn', note: 'neutral', info: 'neutral' } as const;

/** What a check found wrong, most severe first. */
export function Findings({ findings, empty = 'Nothing wrong found.' }: { findings: Finding[]; empty?: string }) {
  if (findings.length === 0) return <p class="muted">{empty}</p>;
  const order = { error: 0, warning: 1, note: 2, info: 3 };
  const sorted = [...findings].sort((left, right) => (order[left.severity] ?? 4) - (order[right.severity] ?? 4));
  return (
    <ul class="findings">
      {sorted.map((finding, index) => (
        <li key={index}>
          <Badge tone={SEVERITY_TONES[finding.severity] ?? 'neutral'}>{finding.severity}</Badge> {finding.message}{' '}
          <code class="muted">{finding.code}</code>
        </li>
      ))}
    </ul>
  );
}
