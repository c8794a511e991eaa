import { useState } from 'preact/hooks';
import type { Deliverability } from '../api';
import { Badge } from '../components/Badge';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Page, TableScroll } from '../components/Page';
import { CHECK_LABELS, checkTone } from '../lib/statuses';
import { useResource } from '../lib/useResource';
import { Link, navigate } from '../router';

export function Domains() {
  const deliverability = useResource<Deliverability>('/deliverability');
  const [other, setOther] = useState('');

  const open = (event: Event) => {
    event.preventDefault();
    const domain = other.trim().toLowerCase();
    if (domain) navigate(`/domains/${encodeURIComponent(domain)}/dkim`);
  };

  return (
    <Page title="Sending domains">
      <ErrorNotice error={deliverability.error} />
      {deliverability.loading && <Loading what="Checking the sending domains" />}
      {deliverability.data && deliverability.data.domains.length === 0 && (
        <p class="empty">No sending domain yet. Create a DKIM key for one below.</p>
      )}
      {deliverability.data && deliverability.data.domains.length > 0 && (
        <TableScroll label="Sending domains table">
          <table class="data-table">
            <caption class="visually-hidden">Sending domains and their checks</caption>
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Overall</th>
                <th scope="col">SMTP</th>
                <th scope="col">SPF</th>
                <th scope="col">DKIM</th>
                <th scope="col">DMARC</th>
              </tr>
            </thead>
            <tbody>
              {deliverability.data.domains.map((domain) => {
                const status = (check: string) => domain.checks.find((item) => item.check === check)?.status;
                const cell = (check: 'smtp' | 'spf' | 'dkim' | 'dmarc') => {
                  const value = status(check);
                  if (!value) return <td>—</td>;
                  const badge = <Badge tone={checkTone(value)}>{CHECK_LABELS[value]}</Badge>;
                  const href = check === 'smtp' ? '/settings/smtp' : `/domains/${encodeURIComponent(domain.domain)}/${check}`;
                  return (
                    <td>
                      <Link href={href}>
                        {badge}
                        <span class="visually-hidden">
                          {' '}
                          {check.toUpperCase()} of {domain.domain}
                        </span>
                      </Link>
                    </td>
                  );
                };
                return (
                  <tr key={domain.domain}>
                    <th scope="row">{domain.domain}</th>
                    <td>
                      <Badge tone={checkTone(domain.status)}>{CHECK_LABELS[domain.status]}</Badge>
                    </td>
                    {cell('smtp')}
                    {cell('spf')}
                    {cell('dkim')}
                    {cell('dmarc')}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      <form class="panel inline-form" onSubmit={open}>
        <label for="other-domain">Set up another domain</label>
        <input id="other-domain" type="text" placeholder="example.com" value={other} onInput={(event) => setOther(event.currentTarget.value)} />
        <button type="submit" disabled={!other.trim()}>
          Open its DKIM page
        </button>
      </form>
    </Page>
  );
}
