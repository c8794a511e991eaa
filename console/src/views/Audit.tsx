import { useEffect, useState } from 'preact/hooks';
import { apiUrl, get, type AuditEntry, type Page as ApiPage } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Page, TableScroll } from '../components/Page';
import { Time } from '../components/Time';
import { useAction, useResource } from '../lib/useResource';

const PAGE_SIZE = 50;

export function Audit() {
  const first = useResource<ApiPage<AuditEntry>>(apiUrl('/audit', { limit: PAGE_SIZE }));
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const action = useAction();

  useEffect(() => {
    setMore([]);
    setCursor(first.data?.next_cursor ?? null);
  }, [first.data]);

  const loadMore = async () => {
    if (!cursor) return;
    const page = await action.run(() => get<ApiPage<AuditEntry>>(apiUrl('/audit', { limit: PAGE_SIZE, cursor })));
    if (page) {
      setMore([...more, ...page.items]);
      setCursor(page.next_cursor ?? null);
    }
  };

  const items = [...(first.data?.items ?? []), ...more];
  return (
    <Page
      title="Audit log"
      actions={
        <button type="button" onClick={() => first.reload()} disabled={first.loading}>
          Refresh
        </button>
      }
    >
      <ErrorNotice error={first.error} />
      <ErrorNotice error={action.error} />
      {first.loading && !first.data && <Loading what="Loading the audit log" />}
      {first.data && items.length === 0 && <p class="empty">Nothing recorded yet.</p>}
      {items.length > 0 && (
        <TableScroll label="Audit log table">
          <table class="data-table">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry, index) => (
                <tr key={index}>
                  <td class="nowrap">
                    <Time iso={entry.at} />
                  </td>
                  <td>{entry.actor}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.target}</td>
                  <td>{entry.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {cursor && (
        <button type="button" onClick={loadMore} disabled={action.pending}>
          Load older entries
        </button>
      )}
    </Page>
  );
}
