import { useEffect, useState } from 'preact/hooks';
import { post, put, type Accepted, type RelaySettings, type ValidationReport } from '../api';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { LiveMessage, Page } from '../components/Page';
import { relayBody, RelayFields, relayFormFrom, type RelayForm } from '../components/RelayFields';
import { ValidationResult } from '../components/ValidationResult';
import { useAction, useResource } from '../lib/useResource';
import { Link } from '../router';

export function SmtpSettings() {
  const settings = useResource<RelaySettings>('/settings/smtp');
  const [form, setForm] = useState<RelayForm>(relayFormFrom(undefined));
  const save = useAction();
  const validate = useAction();
  const [report, setReport] = useState<ValidationReport | null>(null);

  useEffect(() => {
    if (settings.data) setForm(relayFormFrom(settings.data));
  }, [settings.data]);

  if (settings.error) {
    return (
      <Page title="SMTP relay">
        <ErrorNotice error={settings.error} />
      </Page>
    );
  }
  if (!settings.data) {
    return (
      <Page title="SMTP relay">
        <Loading what="Loading the SMTP settings" />
      </Page>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const saved = await save.run(() => put<RelaySettings>('/settings/smtp', relayBody(form)), () => 'Saved.');
    if (saved) settings.setData(saved);
  };

  const runValidation = async () => {
    setReport(null);
    const result = await validate.run(
      () => post<ValidationReport>('/settings/smtp/validate', relayBody(form)),
      (answer) => (answer.ok ? 'Validation passed.' : 'Validation failed.'),
    );
    if (result) setReport(result);
  };

  return (
    <Page title="SMTP relay">
      <p>
        The default relay: where mail goes unless a route says otherwise.{' '}
        {settings.data.configured ? 'A relay is saved.' : <strong>No relay is saved yet.</strong>}
      </p>
      <form class="panel" onSubmit={submit} aria-labelledby="relay-form-heading">
        <h2 id="relay-form-heading">Connection</h2>
        <ErrorNotice error={save.error} />
        <RelayFields idPrefix="smtp" form={form} onChange={setForm} hasPassword={settings.data.has_password ?? false} error={save.error ?? validate.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={save.pending}>
            {save.pending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" disabled={validate.pending || !form.host.trim()} onClick={runValidation}>
            {validate.pending ? 'Validating…' : 'Validate'}
          </button>
        </div>
        <LiveMessage>{save.message || validate.message}</LiveMessage>
      </form>
      <section class="panel" aria-labelledby="validation-heading" aria-busy={validate.pending}>
        <h2 id="validation-heading">Validation</h2>
        <p class="hint">Validate connects with the settings above (saved or not): connect, banner, EHLO, STARTTLS, certificate, AUTH.</p>
        {validate.pending && <Loading what="Connecting to the relay" />}
        <ErrorNotice error={validate.error} />
        {report && <ValidationResult report={report} />}
      </section>
      <SendTest />
    </Page>
  );
}

function SendTest() {
  const [to, setTo] = useState('');
  const [from, setFrom] = useState('');
  const action = useAction();
  const [accepted, setAccepted] = useState<Accepted | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setAccepted(null);
    const body: Record<string, string> = { to: to.trim() };
    if (from.trim()) body.from = from.trim();
    const result = await action.run(() => post<Accepted>('/settings/smtp/test', body), () => 'Test message queued.');
    if (result) setAccepted(result);
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="test-heading">
      <h2 id="test-heading">Send a test message</h2>
      <p class="hint">Sends a short message through the saved relay.</p>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="test-to" label="To address" error={fieldError(action.error, 'to')}>
          <input id="test-to" type="email" required value={to} onInput={(event) => setTo(event.currentTarget.value)} />
        </Field>
        <Field id="test-from" label="From address (optional)" error={fieldError(action.error, 'from')}>
          <input id="test-from" type="email" value={from} onInput={(event) => setFrom(event.currentTarget.value)} />
        </Field>
      </div>
      <button type="submit" disabled={action.pending || !to.trim()}>
        {action.pending ? 'Sending…' : 'Send test'}
      </button>
      <LiveMessage>
        {accepted && (
          <>
            Test message queued:{' '}
            <Link href={`/messages/${encodeURIComponent(accepted.id)}`}>follow it on its message page</Link>.
          </>
        )}
      </LiveMessage>
    </form>
  );
}
