import { useEffect, useRef, useState } from 'preact/hooks';
import { apiUrl, del, get, post, type MessageSummary, type Page as ApiPage, type Suppression } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { filterFromQuery, MessageFilters, type MessageFilter } from '../components/MessageFilters';
import { DeliveryBadge, ProcessingBadge, WarningMark } from '../components/MessageStatus';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { PausePanel } from '../components/PausePanel';
import { Time } from '../components/Time';
import { bareAddress, pluralize } from '../lib/format';
import { useLiveChanges } from '../lib/liveEvents';
import { can } from '../lib/permissions';
import { fixLinkFor } from '../lib/sendErrorLinks';
import { useSession } from '../lib/session';
import { useAction, useResource } from '../lib/useResource';
import { Link, setQuery, useLocation } from '../router';

type View = 'sent' | 'outbox' | 'failed';

const TITLES: Record<View, string> = { sent: 'Sent emails', outbox: 'Outbox', failed: 'Failed' };
const PAGE_SIZE = 50;

function listPath(view: View, filter: MessageFilter, cursor: string): string {
  return apiUrl('/messages', { view, ...filter, limit: PAGE_SIZE, cursor });
}

/** The current filter for a bulk action, without the empty fields (an empty status is no status). */
function filterBody(view: View, filter: MessageFilter): Record<string, string> {
  const body: Record<string, string> = { view };
  for (const [key, value] of Object.entries(filter)) if (value) body[key] = value;
  return body;
}

type Pending = { kind: 'cancel'; ids: string[] } | { kind: 'all'; action: 'retry' | 'cancel' } | null;

export function MessageList({ view }: { view: View }) {
  const { user } = useSession();
  const { query } = useLocation();
  const filter = filterFromQuery(query);
  const cursor = query.get('cursor') ?? '';
  const path = listPath(view, filter, cursor);
  const list = useResource<ApiPage<MessageSummary>>(path);
  const action = useAction();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending>(null);
  const [liveText, setLiveText] = useState('');
  const [newCount, setNewCount] = useState(0);
  // Cursors of the pages before this one, so "Newer" can step back.
  const previousCursors = useRef<string[]>([]);
  // The newest message seen on the first page, to count what arrived since.
  const newestSeen = useRef('');
  const suppressed = useSuppressedAddresses(view === 'failed' && can.readSuppressions(user.role));

  const onFirstPage = cursor === '';
  const items = list.data?.items ?? [];
  const mayChange = can.changeMessages(user.role);
  const mayBulk = view === 'outbox' && can.bulkChangeMessages(user.role);

  useEffect(() => setSelected(new Set()), [path]);
  useEffect(() => {
    if (onFirstPage && items.length > 0) {
      newestSeen.current = items[0].created_at;
      setNewCount(0);
    }
  }, [list.data]);

  useLiveChanges(async () => {
    if (onFirstPage) {
      await list.reload(true);
      setLiveText(`List updated at ${new Date().toLocaleTimeString()}.`);
      return;
    }
    try {
      const first = await get<ApiPage<MessageSummary>>(listPath(view, filter, ''));
      const count = first.items.filter((item) => item.created_at > newestSeen.current).length;
      setNewCount(count);
      if (count > 0) setLiveText(`${pluralize(count, 'new message')} on the first page.`);
    } catch {
      // A failed background count is not worth an error on screen; the next change tries again.
    }
  });

  const older = () => {
    if (!list.data?.next_cursor) return;
    previousCursors.current.push(cursor);
    setQuery({ cursor: list.data.next_cursor });
  };
  const newer = () => {
    const previous = previousCursors.current.pop() ?? '';
    setQuery({ cursor: previous || undefined });
  };
  const newest = () => {
    previousCursors.current = [];
    setQuery({ cursor: undefined });
  };

  const afterChange = (text: string) => {
    setLiveText(text);
    void list.reload(true);
  };

  const retry = async (message: MessageSummary) => {
    const result = await action.run(() => post<{ retried: number }>(`/messages/${encodeURIComponent(message.id)}/retry`));
    if (result) afterChange(`Retrying ${pluralize(result.retried, 'recipient')} of “${message.subject}”.`);
  };

  const cancelIds = async (ids: string[]) => {
    setPending(null);
    if (ids.length === 1) {
      const result = await action.run(() => del<{ cancelled: number }>(`/messages/${encodeURIComponent(ids[0])}`));
      if (result) afterChange(`Cancelled ${pluralize(result.cancelled, 'recipient')}.`);
      return;
    }
    const result = await action.run(() => post<{ messages: number; recipients: number }>('/messages/bulk', { action: 'cancel', ids }));
    if (result) afterChange(`Cancelled ${pluralize(result.messages, 'message')} (${pluralize(result.recipients, 'recipient')}).`);
  };

  const bulkRetry = async (ids: string[]) => {
    const result = await action.run(() => post<{ messages: number; recipients: number }>('/messages/bulk', { action: 'retry', ids }));
    if (result) afterChange(`Retrying ${pluralize(result.messages, 'message')} (${pluralize(result.recipients, 'recipient')}).`);
  };

  const allMatching = async (kind: 'retry' | 'cancel') => {
    setPending(null);
    const result = await action.run(() =>
      post<{ messages: number; recipients: number }>('/messages/bulk', { action: kind, filter: filterBody(view, filter) }),
    );
    const verb = kind === 'retry' ? 'Retrying' : 'Cancelled';
    if (result) afterChange(`${verb} ${pluralize(result.messages, 'message')} (${pluralize(result.recipients, 'recipient')}).`);
  };

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(items.map((item) => item.id)));
  const selectedIds = [...selected];

  return (
    <Page
      title={TITLES[view]}
      actions={
        <button type="button" onClick={() => list.reload()} disabled={list.loading}>
          Refresh
        </button>
      }
    >
      {view === 'outbox' && can.pauseDelivery(user.role) && <PausePanel />}
      <MessageFilters filter={filter} idPrefix={view} />
      <LiveMessage>{liveText}</LiveMessage>
      {newCount > 0 && !onFirstPage && (
        <p class="notice notice-info">
          {pluralize(newCount, 'new message')} since you left the first page.{' '}
          <button type="button" onClick={newest}>
            Show newest
          </button>
        </p>
      )}
      {mayBulk && (
        <div class="bulk-bar" role="group" aria-label="Actions on several messages">
          <span>{pluralize(selectedIds.length, 'message')} selected</span>
          <button type="button" disabled={selectedIds.length === 0 || action.pending} onClick={() => bulkRetry(selectedIds)}>
            Retry selected
          </button>
          <button type="button" disabled={selectedIds.length === 0 || action.pending} onClick={() => setPending({ kind: 'cancel', ids: selectedIds })}>
            Cancel selected
          </button>
          <button type="button" disabled={action.pending} onClick={() => setPending({ kind: 'all', action: 'retry' })}>
            Retry all matching
          </button>
          <button type="button" disabled={action.pending} onClick={() => setPending({ kind: 'all', action: 'cancel' })}>
            Cancel all matching
          </button>
        </div>
      )}
      <ErrorNotice error={action.error} />
      <ErrorNotice error={list.error} />
      {list.loading && !list.data && <Loading what="Loading messages" />}
      {list.data && items.length === 0 && <p class="empty">No messages match.</p>}
      {items.length > 0 && (
        <TableScroll label={`${TITLES[view]} table`}>
          <table class="data-table" aria-busy={list.loading}>
            <caption class="visually-hidden">{TITLES[view]}, newest first</caption>
            <thead>
              <tr>
                {mayBulk && (
                  <th scope="col">
                    <input type="checkbox" aria-label="Select all on this page" checked={allSelected} onChange={toggleAll} />
                  </th>
                )}
                <th scope="col">Time</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                {view === 'sent' && <th scope="col">Server</th>}
                <th scope="col">Processing</th>
                {view !== 'outbox' && <th scope="col">Delivery</th>}
                {view === 'sent' && (
                  <th scope="col">
                    <span class="visually-hidden">Warning</span>
                  </th>
                )}
                {view === 'outbox' && <th scope="col">Next attempt</th>}
                {view === 'outbox' && <th scope="col">Attempts</th>}
                {view === 'outbox' && <th scope="col">Last error or waiting reason</th>}
                {view === 'failed' && <th scope="col">Send error</th>}
                {view !== 'sent' && mayChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((message) => (
                <tr key={message.id}>
                  {mayBulk && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select “${message.subject || '(no subject)'}”`}
                        checked={selected.has(message.id)}
                        onChange={() => toggle(message.id)}
                      />
                    </td>
                  )}
                  <td class="nowrap">
                    <Time iso={message.created_at} />
                  </td>
                  <td class="clip">{message.from}</td>
                  <td class="clip">{message.to.join(', ')}</td>
                  <td class="clip">
                    <Link href={`/messages/${encodeURIComponent(message.id)}`}>{message.subject || '(no subject)'}</Link>
                  </td>
                  {view === 'sent' && <td class="clip">{message.server || '—'}</td>}
                  <td>
                    <ProcessingBadge message={message} showDeferred={view !== 'sent'} />
                  </td>
                  {view !== 'outbox' && (
                    <td>
                      <DeliveryBadge status={message.delivery_status} />
                    </td>
                  )}
                  {view === 'sent' && (
                    <td>
                      <WarningMark shown={message.has_warning} />
                    </td>
                  )}
                  {view === 'outbox' && (
                    <td class="nowrap">
                      <Time iso={message.next_attempt_at} relative />
                    </td>
                  )}
                  {view === 'outbox' && <td>{message.attempts}</td>}
                  {view === 'outbox' && <td class="error-text">{message.last_error || message.waiting_reason || '—'}</td>}
                  {view === 'failed' && (
                    <td class="error-text">
                      <SendError message={message} />
                    </td>
                  )}
                  {view !== 'sent' && mayChange && (
                    <td class="row-actions">
                      <button type="button" disabled={action.pending} onClick={() => retry(message)}>
                        {view === 'outbox' ? 'Retry now' : 'Retry'}
                        <span class="visually-hidden"> “{message.subject}”</span>
                      </button>
                      {view === 'outbox' && (
                        <button type="button" disabled={action.pending} onClick={() => setPending({ kind: 'cancel', ids: [message.id] })}>
                          Cancel<span class="visually-hidden"> “{message.subject}”</span>
                        </button>
                      )}
                      {view === 'failed' && can.manageSuppressions(user.role) && (
                        <SuppressButtons message={message} suppressed={suppressed} onDone={setLiveText} />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" onClick={newer} disabled={onFirstPage}>
          Newer
        </button>
        <button type="button" onClick={older} disabled={!list.data?.next_cursor}>
          Older
        </button>
      </nav>
      {pending?.kind === 'cancel' && (
        <ConfirmDialog
          title={pending.ids.length === 1 ? 'Cancel this message?' : `Cancel ${pending.ids.length} messages?`}
          confirmLabel="Cancel delivery"
          danger
          onConfirm={() => cancelIds(pending.ids)}
          onCancel={() => setPending(null)}
        >
          <p>Recipients still queued will not be sent to. This cannot be undone.</p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'all' && (
        <ConfirmDialog
          title={pending.action === 'retry' ? 'Retry every matching message?' : 'Cancel every matching message?'}
          confirmLabel={pending.action === 'retry' ? 'Retry all matching' : 'Cancel all matching'}
          danger={pending.action === 'cancel'}
          onConfirm={() => allMatching(pending.action)}
          onCancel={() => setPending(null)}
        >
          <p>
            This applies to every message in the {TITLES[view]} that matches the current filters (up to 10,000), not only those on this
            page.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

function SendError({ message }: { message: MessageSummary }) {
  const text = message.last_error || message.waiting_reason;
  if (!text) return <span class="muted">—</span>;
  const fix = fixLinkFor(text, '', message.from || message.mail_from);
  return (
    <>
      <span>{text}</span>
      {fix && (
        <>
          {' '}
          <Link href={fix.href} class="fix-link">
            {fix.label}
          </Link>
        </>
      )}
    </>
  );
}

/** Addresses on the suppression list (the first 500), to offer "Unsuppress" where it applies. */
function useSuppressedAddresses(enabled: boolean) {
  const resource = useResource<ApiPage<Suppression>>(enabled ? '/suppressions?limit=500' : null);
  const [addresses, setAddresses] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (resource.data) setAddresses(new Set(resource.data.items.map((item) => item.address.toLowerCase())));
  }, [resource.data]);
  return { addresses, setAddresses };
}

function SuppressButtons(props: {
  message: MessageSummary;
  suppressed: { addresses: Set<string>; setAddresses: (addresses: Set<string>) => void };
  onDone: (text: string) => void;
}) {
  const action = useAction();
  const { addresses, setAddresses } = props.suppressed;
  const recipients = [...new Set(props.message.to.map((address) => bareAddress(address).toLowerCase()))].filter(Boolean);

  const change = async (address: string, suppress: boolean) => {
    const result = await action.run(async () => {
      if (suppress) await post('/suppressions', { address, reason: `suppressed from the Failed view` });
      else await del(`/suppressions/${encodeURIComponent(address)}`);
      return true;
    });
    if (!result) return;
    const next = new Set(addresses);
    if (suppress) next.add(address);
    else next.delete(address);
    setAddresses(next);
    props.onDone(suppress ? `${address} is suppressed.` : `${address} is no longer suppressed.`);
  };

  return (
    <>
      {recipients.map((address) =>
        addresses.has(address) ? (
          <button key={address} type="button" disabled={action.pending} onClick={() => change(address, false)}>
            Unsuppress {address}
          </button>
        ) : (
          <button key={address} type="button" disabled={action.pending} onClick={() => change(address, true)}>
            Suppress {address}
          </button>
        ),
      )}
      <ErrorNotice error={action.error} />
    </>
  );
}
