import { useEffect, useState } from 'preact/hooks';
import { apiUrl, del, get, post, type Page as ApiPage, type Suppression } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { Time } from '../components/Time';
import { can } from '../lib/permissions';
import { useSession } from '../lib/session';
import { useAction, useResource } from '../lib/useResource';
import { Link, setQuery, useLocation } from '../router';

export function Suppressions() {
  const { user } = useSession();
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  const first = useResource<ApiPage<Suppression>>(apiUrl('/suppressions', { q: search, limit: 100 }));
  // Later pages are appended ("Load more") rather than replacing the list.
  const [more, setMore] = useState<Suppression[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [searchText, setSearchText] = useState(search);
  const action = useAction();
  const [removing, setRemoving] = useState<Suppression | null>(null);
  const mayManage = can.manageSuppressions(user.role);

  useEffect(() => {
    setMore([]);
    setCursor(first.data?.next_cursor ?? null);
  }, [first.data]);

  const loadMore = async () => {
    if (!cursor) return;
    const page = await action.run(() => get<ApiPage<Suppression>>(apiUrl('/suppressions', { q: search, limit: 100, cursor })));
    if (page) {
      setMore([...more, ...page.items]);
      setCursor(page.next_cursor ?? null);
    }
  };

  const remove = async (suppression: Suppression) => {
    setRemoving(null);
    const done = await action.run(async () => {
      await del(`/suppressions/${encodeURIComponent(suppression.address)}`);
      return true;
    }, () => `${suppression.address} is no longer suppressed.`);
    if (done) void first.reload(true);
  };

  const items = [...(first.data?.items ?? []), ...more];
  return (
    <Page title="Suppressions">
      <p>outpost no longer sends to these addresses: their recipients fail without an attempt.</p>
      <form
        class="inline-form"
        role="search"
        aria-label="Search suppressions"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery({ q: searchText.trim() });
        }}
      >
        <label for="suppression-search">Address contains</label>
        <input id="suppression-search" type="search" value={searchText} onInput={(event) => setSearchText(event.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorNotice error={first.error} />
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {first.loading && !first.data && <Loading what="Loading the suppressions" />}
      {first.data && items.length === 0 && <p class="empty">No suppressed address{search ? ' matches' : ''}.</p>}
      {items.length > 0 && (
        <TableScroll label="Suppressions table">
          <table class="data-table">
            <caption class="visually-hidden">Suppressed addresses, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Reason</th>
                <th scope="col">Source</th>
                <th scope="col">Added</th>
                {mayManage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((suppression) => (
                <tr key={suppression.address}>
                  <th scope="row">{suppression.address}</th>
                  <td>
                    {suppression.reason}
                    {suppression.message_id && (
                      <>
                        {' '}
                        <Link href={`/messages/${encodeURIComponent(suppression.message_id)}`}>the message</Link>
                      </>
                    )}
                  </td>
                  <td>{suppression.source === 'bounce' ? 'bounce' : 'added by hand'}</td>
                  <td>
                    <Time iso={suppression.created_at} />
                  </td>
                  {mayManage && (
                    <td>
                      <button type="button" disabled={action.pending} onClick={() => setRemoving(suppression)}>
                        Remove<span class="visually-hidden"> {suppression.address}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {cursor && (
        <button type="button" onClick={loadMore} disabled={action.pending}>
          Load more
        </button>
      )}
      {mayManage && <AddSuppression onAdded={() => void first.reload(true)} />}
      {removing && (
        <ConfirmDialog title={`Send to ${removing.address} again?`} confirmLabel="Remove suppression" onConfirm={() => remove(removing)} onCancel={() => setRemoving(null)}>
          <p>New mail to this address will be attempted again.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

function AddSuppression({ onAdded }: { onAdded: () => void }) {
  const [address, setAddress] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { address: address.trim() };
    if (reason.trim()) body.reason = reason.trim();
    const added = await action.run(() => post<Suppression>('/suppressions', body), (answer) => `${answer.address} is suppressed.`);
    if (added) {
      setAddress('');
      setReason('');
      onAdded();
    }
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="add-suppression-heading">
      <h2 id="add-suppression-heading">Suppress an address</h2>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="suppress-address" label="Address" error={fieldError(action.error, 'address')}>
          <input id="suppress-address" type="email" required value={address} onInput={(event) => setAddress(event.currentTarget.value)} />
        </Field>
        <Field id="suppress-reason" label="Reason (optional)" error={fieldError(action.error, 'reason')}>
          <input id="suppress-reason" type="text" value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={action.pending || !address.trim()}>
        Suppress
      </button>
      <LiveMessage>{action.message}</LiveMessage>
    </form>
  );
}
