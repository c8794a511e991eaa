import type { ChecklistItem, Deliverability, VolumeBucket } from '../api';
import { Badge } from '../components/Badge';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Page, TableScroll } from '../components/Page';
import { Time } from '../components/Time';
import { VOLUME_SERIES, VolumeChart } from '../components/VolumeChart';
import { can } from '../lib/permissions';
import { CHECK_LABELS, checkTone } from '../lib/statuses';
import { useSession } from '../lib/session';
import { useResource } from '../lib/useResource';
import { Link } from '../router';

const CHECK_NAMES: Record<ChecklistItem['check'], string> = { smtp: 'SMTP', spf: 'SPF', dkim: 'DKIM', dmarc: 'DMARC' };

function checkPage(domain: string, check: ChecklistItem['check']): string {
  return check === 'smtp' ? '/settings/smtp' : `/domains/${encodeURIComponent(domain)}/${check}`;
}

export function Overview() {
  return (
    <Page title="Overview">
      <DeliverabilityChecklist />
      <VolumeSection />
    </Page>
  );
}

function DeliverabilityChecklist() {
  const { user } = useSession();
  const checklist = useResource<Deliverability>('/deliverability');
  const mayOpenSettings = can.manageSettings(user.role);
  return (
    <section class="panel" aria-labelledby="checklist-heading">
      <div class="section-header">
        <h2 id="checklist-heading">Deliverability</h2>
        <button type="button" onClick={() => checklist.reload()} disabled={checklist.loading}>
          Check again
        </button>
      </div>
      <ErrorNotice error={checklist.error} />
      {checklist.loading && <Loading what="Checking SMTP, SPF, DKIM and DMARC (DNS lookups take a moment)" />}
      {checklist.data && !checklist.loading && (
        <>
          <p class="muted">
            Checked <Time iso={new Date(checklist.data.checked_at).toISOString()} />.
          </p>
          {checklist.data.domains.length === 0 && (
            <p class="empty">
              No sending domain yet: create a DKIM key for a domain or route a sender domain
              {mayOpenSettings && (
                <>
                  {' '}
                  (<Link href="/domains">domains</Link>)
                </>
              )}
              .
            </p>
          )}
          {checklist.data.domains.map((domain) => (
            <div class="domain-checklist" key={domain.domain}>
              <h3>
                {domain.domain} <Badge tone={checkTone(domain.status)}>{CHECK_LABELS[domain.status]}</Badge>
              </h3>
              <TableScroll label={`Checklist of ${domain.domain}`}>
                <table class="data-table checklist">
                  <caption class="visually-hidden">Deliverability checklist of {domain.domain}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">Status</th>
                      <th scope="col">Reason</th>
                      <th scope="col">Next step</th>
                    </tr>
                  </thead>
                  <tbody>
                    {domain.checks.map((item) => (
                      <tr key={item.check}>
                        <th scope="row">
                          {mayOpenSettings ? (
                            <Link href={checkPage(domain.domain, item.check)}>
                              {CHECK_NAMES[item.check]}
                              <span class="visually-hidden"> of {domain.domain}</span>
                            </Link>
                          ) : (
                            CHECK_NAMES[item.check]
                          )}
                        </th>
                        <td>
                          <Badge tone={checkTone(item.status)}>{CHECK_LABELS[item.status]}</Badge>
                          {item.temporary && <span class="muted"> (temporary; check again later)</span>}
                        </td>
                        <td>{item.reason}</td>
                        <td>{item.next_step || 'Nothing to do.'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </div>
          ))}
        </>
      )}
    </section>
  );
}

function VolumeSection() {
  const volume = useResource<{ bucket: string; items: VolumeBucket[] }>('/stats/volume');
  const buckets = volume.data?.items ?? [];
  return (
    <section class="panel" aria-labelledby="volume-heading">
      <div class="section-header">
        <h2 id="volume-heading">Volume, last 24 hours</h2>
        <button type="button" onClick={() => volume.reload()} disabled={volume.loading}>
          Refresh chart
        </button>
      </div>
      <ErrorNotice error={volume.error} />
      {volume.loading && !volume.data && <Loading what="Loading the volume" />}
      {volume.data && buckets.length === 0 && <p class="empty">No mail in this period.</p>}
      {buckets.length > 0 && (
        <>
          <VolumeChart buckets={buckets} />
          <details>
            <summary>The numbers as a table</summary>
            <TableScroll label="Volume table">
              <table class="data-table numbers">
                <caption class="visually-hidden">Messages per {volume.data?.bucket ?? 'hour'}</caption>
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    {VOLUME_SERIES.map((series) => (
                      <th scope="col" key={series.key}>
                        {series.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {buckets.map((bucket) => (
                    <tr key={bucket.at}>
                      <th scope="row">
                        <Time iso={bucket.at} />
                      </th>
                      {VOLUME_SERIES.map((series) => (
                        <td key={series.key}>{bucket[series.key]}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </details>
        </>
      )}
    </section>
  );
}
