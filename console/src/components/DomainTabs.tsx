import type { ChecklistItem, DomainChecklist } from '../api';
import { Link } from '../router';
import { Badge } from './Badge';
import { CHECK_LABELS, checkTone } from '../lib/statuses';

const PAGES: { check: ChecklistItem['check']; label: string }[] = [
  { check: 'spf', label: 'SPF' },
  { check: 'dkim', label: 'DKIM' },
  { check: 'dmarc', label: 'DMARC' },
];

/** Links between a domain's SPF, DKIM and DMARC pages, and that check's line of the checklist. */
export function DomainTabs({ domain, current, checklist }: { domain: string; current: ChecklistItem['check']; checklist?: DomainChecklist }) {
  const item = checklist?.checks.find((check) => check.check === current);
  return (
    <>
      <nav class="tabs" aria-label={`Pages of ${domain}`}>
        <Link href="/domains">All domains</Link>
        {PAGES.map((page) => (
          <Link
            key={page.check}
            href={`/domains/${encodeURIComponent(domain)}/${page.check}`}
            aria-current={page.check === current ? 'page' : undefined}
          >
            {page.label}
          </Link>
        ))}
      </nav>
      {item && (
        <div class="panel" aria-label="Checklist status">
          <p>
            <Badge tone={checkTone(item.status)}>{CHECK_LABELS[item.status]}</Badge> {item.reason}
          </p>
          {item.next_step && (
            <p>
              <strong>Next step:</strong> {item.next_step}
            </p>
          )}
        </div>
      )}
    </>
  );
}
