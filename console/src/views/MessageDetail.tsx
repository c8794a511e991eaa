import { useState } from 'preact/hooks';
import { apiText, ApiError, del, post, type Attempt, type DeliveryReport, type MessageContent, type MessageDetail } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { DeliveryBadge, ProcessingBadge, WarningMark } from '../components/MessageStatus';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { Time } from '../components/Time';
import { bytes, pluralize } from '../lib/format';
import { useLiveChanges } from '../lib/liveEvents';
import { can } from '../lib/permissions';
import { fixLinkFor } from '../lib/sendErrorLinks';
import { useSession } from '../lib/session';
import { useAction, useResource } from '../lib/useResource';
import { Link } from '../router';

export function MessageDetailView({ id }: { id: string }) {
  const { user } = useSession();
  const base = `/messages/${encodeURIComponent(id)}`;
  const detail = useResource<MessageDetail>(base);
  const action = useAction();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [liveText, setLiveText] = useState('');

  useLiveChanges(() => void detail.reload(true));

  const message = detail.data;
  if (detail.error) {
    return (
      <Page title="Message">
        <ErrorNotice error={detail.error} />
        <p>
          <Link href="/sent">Back to sent emails</Link>
        </p>
      </Page>
    );
  }
  if (!message) {
    return (
      <Page title="Message">
        <Loading what="Loading the message" />
      </Page>
    );
  }

  const mayChange = can.changeMessages(user.role);
  const retryable = message.recipients.some(
    (recipient) =>
      recipient.processing_status === 'failure' ||
      recipient.delivery_status === 'failed' ||
      (recipient.processing_status === 'queued' && recipient.attempts > 0),
  );
  const cancellable = message.recipients.some((recipient) => recipient.processing_status === 'queued');

  const retry = async () => {
    const result = await action.run(() => post<{ retried: number }>(`${base}/retry`));
    if (result) {
      setLiveText(`Retrying ${pluralize(result.retried, 'recipient')}.`);
      void detail.reload(true);
    }
  };
  const cancel = async () => {
    setConfirmCancel(false);
    const result = await action.run(() => del<{ cancelled: number }>(base));
    if (result) {
      setLiveText(`Cancelled ${pluralize(result.cancelled, 'recipient')}.`);
      void detail.reload(true);
    }
  };

  const sender = message.from || message.mail_from;
  return (
    <Page
      title={message.subject ? `Message: ${message.subject}` : 'Message (no subject)'}
      actions={
        mayChange && (
          <>
            {retryable && (
              <button type="button" disabled={action.pending} onClick={retry}>
                Retry
              </button>
            )}
            {cancellable && (
              <button type="button" class="danger" disabled={action.pending} onClick={() => setConfirmCancel(true)}>
                Cancel
              </button>
            )}
          </>
        )
      }
    >
      <ErrorNotice error={action.error} />
      <LiveMessage>{liveText}</LiveMessage>
      <section class="panel" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl class="facts">
          <dt>Created</dt>
          <dd>
            <Time iso={message.created_at} />
          </dd>
          <dt>From</dt>
          <dd>{message.from}</dd>
          <dt>Envelope sender (MAIL FROM)</dt>
          <dd>{message.mail_from || '<>'}</dd>
          <dt>To</dt>
          <dd>{message.to.join(', ')}</dd>
          <dt>Subject</dt>
          <dd>{message.subject || '(no subject)'}</dd>
          <dt>Message-ID</dt>
          <dd>
            <code>{message.message_id}</code>
          </dd>
          <dt>Server</dt>
          <dd>{message.server || '—'}</dd>
          <dt>Processing</dt>
          <dd>
            <ProcessingBadge message={{ ...message, attempts: message.attempts.length }} /> <WarningMark shown={message.has_warning} />
          </dd>
          <dt>Delivery</dt>
          <dd>
            <DeliveryBadge status={message.delivery_status} />
          </dd>
          <dt>Size</dt>
          <dd>{bytes(message.size_bytes)}</dd>
          <dt>Submitted by</dt>
          <dd>{message.api_key_name || '—'}</dd>
          {message.tags.length > 0 && (
            <>
              <dt>Tags</dt>
              <dd>{message.tags.join(', ')}</dd>
            </>
          )}
        </dl>
      </section>

      <section class="panel" aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">Recipients</h2>
        <TableScroll label="Recipients table">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Field</th>
                <th scope="col">Processing</th>
                <th scope="col">Delivery</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last error or waiting reason</th>
              </tr>
            </thead>
            <tbody>
              {message.recipients.map((recipient) => {
                const error = recipient.last_error || recipient.waiting_reason;
                const fix = recipient.last_error ? fixLinkFor(recipient.last_error, '', sender) : null;
                return (
                  <tr key={recipient.address + recipient.field}>
                    <th scope="row">{recipient.address}</th>
                    <td>{recipient.field}</td>
                    <td>
                      <ProcessingBadge message={recipient} />
                    </td>
                    <td>
                      <DeliveryBadge status={recipient.delivery_status} />
                    </td>
                    <td>{recipient.attempts}</td>
                    <td class="nowrap">
                      <Time iso={recipient.next_attempt_at} relative />
                    </td>
                    <td class="error-text">
                      {error || '—'}
                      {fix && (
                        <>
                          {' '}
                          <Link href={fix.href}>{fix.label}</Link>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <section class="panel" aria-labelledby="attempts-heading">
        <h2 id="attempts-heading">Attempts</h2>
        {message.attempts.length === 0 ? <p class="empty">No delivery attempt yet.</p> : null}
        {message.attempts.map((attempt) => (
          <AttemptCard key={`${attempt.number}-${attempt.recipient}`} attempt={attempt} sender={sender} />
        ))}
      </section>

      <section class="panel" aria-labelledby="reports-heading">
        <h2 id="reports-heading">Delivery reports (DSN and bounces)</h2>
        {message.reports.length === 0 ? <p class="empty">No report has come back.</p> : null}
        {message.reports.map((report) => (
          <ReportCard key={report.id} report={report} />
        ))}
      </section>

      <section class="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        {message.events.length === 0 ? (
          <p class="empty">No events.</p>
        ) : (
          <TableScroll label="Events table">
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {message.events.map((event, index) => (
                  <tr key={index}>
                    <td class="nowrap">
                      <Time iso={event.at} />
                    </td>
                    <td>{event.type}</td>
                    <td>{event.recipient || '—'}</td>
                    <td>{event.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>

      <ContentSection base={base} subject={message.subject} />

      {confirmCancel && (
        <ConfirmDialog title="Cancel this message?" confirmLabel="Cancel delivery" danger onConfirm={cancel} onCancel={() => setConfirmCancel(false)}>
          <p>Recipients still queued will not be sent to. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

/** Plain text fetched on demand (a transcript, a raw report): always shown as text, never rendered. */
function OnDemandText({ url, label }: { url: string; label: string }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState(false);

  const toggle = async () => {
    if (open) {
      setOpen(false);
      return;
    }
    setOpen(true);
    if (text !== null) return;
    setLoading(true);
    try {
      setText(await apiText(url));
      setError(null);
    } catch (cause) {
      setError(cause instanceof ApiError ? cause : new ApiError(0, 'client', String(cause)));
    } finally {
      setLoading(false);
    }
  };

  return (
    <div class="on-demand">
      <button type="button" aria-expanded={open} onClick={toggle}>
        {open ? 'Hide' : 'Show'} {label}
      </button>
      {open && loading && <Loading what={`Loading the ${label}`} />}
      {open && <ErrorNotice error={error} />}
      {open && text !== null && (
        <pre class="transcript" tabIndex={0} aria-label={label}>
          {text}
        </pre>
      )}
    </div>
  );
}

function AttemptCard({ attempt, sender }: { attempt: Attempt; sender: string }) {
  const failed = attempt.code >= 400 || (attempt.code === 0 && attempt.text !== '');
  const fix = failed ? fixLinkFor(`${attempt.code} ${attempt.text} ${attempt.description}`, attempt.enhanced_code, sender) : null;
  return (
    <article class={'card' + (failed ? ' card-problem' : '')} aria-label={`Attempt ${attempt.number} to ${attempt.recipient}`}>
      <h3>
        Attempt {attempt.number} · {attempt.recipient} · <Time iso={attempt.at} />
      </h3>
      <dl class="facts">
        <dt>Server</dt>
        <dd>
          {attempt.server || '—'}
          {attempt.port ? `:${attempt.port}` : ''} {attempt.ip && <span class="muted">({attempt.ip})</span>}
        </dd>
        <dt>Node</dt>
        <dd>{attempt.node || '—'}</dd>
        <dt>TLS</dt>
        <dd>{attempt.tls_version ? `${attempt.tls_version} ${attempt.tls_cipher}` : 'none'}</dd>
        <dt>Reply</dt>
        <dd>
          <code>
            {attempt.code || '—'} {attempt.enhanced_code}
          </code>{' '}
          {attempt.text}
        </dd>
        {attempt.remote_queue_id && (
          <>
            <dt>Remote queue id</dt>
            <dd>{attempt.remote_queue_id}</dd>
          </>
        )}
        <dt>Duration</dt>
        <dd>{attempt.duration_ms} ms</dd>
        <dt>What it means</dt>
        <dd>{attempt.description || '—'}</dd>
        <dt>What to do</dt>
        <dd>
          {attempt.hint || '—'}
          {fix && (
            <>
              {' '}
              <Link href={fix.href}>{fix.label}</Link>
            </>
          )}
        </dd>
      </dl>
      <OnDemandText url={attempt.transcript_url} label={`transcript of attempt ${attempt.number}`} />
    </article>
  );
}

function ReportCard({ report }: { report: DeliveryReport }) {
  return (
    <article class="card" aria-label={`Report ${report.id}`}>
      <h3>
        {report.kind.toUpperCase()} for {report.recipient} · <Time iso={report.received_at} />
      </h3>
      <dl class="facts">
        <dt>Action</dt>
        <dd>{report.action || '—'}</dd>
        <dt>Status</dt>
        <dd>
          <code>{report.status || '—'}</code> {report.reason} {report.hard_bounce && <strong>(hard bounce)</strong>}
        </dd>
        <dt>Diagnostic</dt>
        <dd>{report.diagnostic_code || '—'}</dd>
        <dt>Remote MTA</dt>
        <dd>{report.remote_mta || '—'}</dd>
        <dt>Reporting MTA</dt>
        <dd>{report.reporting_mta || '—'}</dd>
      </dl>
      <OnDemandText url={report.raw_url} label={`raw report ${report.id}`} />
    </article>
  );
}

function ContentSection({ base, subject }: { base: string; subject: string }) {
  const content = useResource<MessageContent>(`${base}/content`);
  const data = content.data;
  return (
    <section class="panel" aria-labelledby="content-heading">
      <h2 id="content-heading">Content</h2>
      <ErrorNotice error={content.error} />
      {content.loading && <Loading what="Loading the content" />}
      {data && (
        <>
          <details>
            <summary>Headers ({data.headers.length})</summary>
            <TableScroll label="Headers table">
              <table class="data-table headers-table">
                <tbody>
                  {data.headers.map((header, index) => (
                    <tr key={index}>
                      <th scope="row">{header.name}</th>
                      <td>{header.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </details>
          {data.attachments.length > 0 && (
            <>
              <h3>Attachments</h3>
              <ul>
                {data.attachments.map((attachment, index) => (
                  <li key={index}>
                    {attachment.filename || '(no name)'} <span class="muted">({attachment.content_type}, {bytes(attachment.size)})</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>Text</h3>
          {data.text !== null ? (
            <pre class="body-text" tabIndex={0} aria-label="Text body">
              {data.text}
            </pre>
          ) : (
            <p class="empty">No text part.</p>
          )}
          {data.html && (
            <>
              <h3>HTML preview</h3>
              <p class="hint">Shown in a sandbox: no script runs and no remote content (images, fonts, trackers) loads.</p>
              <iframe class="preview" sandbox="" src={`/api/v1${base}/preview`} title={`HTML preview of “${subject || 'no subject'}”`} />
            </>
          )}
        </>
      )}
    </section>
  );
}
