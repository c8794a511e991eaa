import { useState } from 'preact/hooks';
import { del, post, type DkimKey, type DkimTestReport, type DkimValidation } from '../api';
import { Badge } from '../components/Badge';
import { CopyText } from '../components/CopyText';
import { ConfirmDialog } from '../components/Dialog';
import { DomainTabs } from '../components/DomainTabs';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Findings } from '../components/Findings';
import { Loading } from '../components/Loading';
import { LiveMessage, Notice, Page } from '../components/Page';
import { Time } from '../components/Time';
import { checkTone } from '../lib/statuses';
import { useDomainChecklist } from '../lib/useDomainChecklist';
import { useAction, useResource } from '../lib/useResource';
import { Link } from '../router';

const ALGORITHMS = [
  { value: 'rsa-2048', label: 'RSA 2048 bits (works everywhere)' },
  { value: 'ed25519', label: 'Ed25519 (short; add next to RSA)' },
];

export function DomainDkim({ domain }: { domain: string }) {
  const base = `/domains/${encodeURIComponent(domain)}/dkim`;
  const keys = useResource<{ items: DkimKey[] }>(`${base}/keys`);
  const checklist = useDomainChecklist(domain);
  const action = useAction();
  const [validation, setValidation] = useState<DkimValidation | null>(null);
  const [test, setTest] = useState<DkimTestReport | null>(null);
  const [deleting, setDeleting] = useState<DkimKey | null>(null);

  const dkimItem = checklist.checklist?.checks.find((item) => item.check === 'dkim');
  const showSpfWarning = dkimItem?.spf_first === true;

  const refresh = () => {
    void keys.reload(true);
    void checklist.reload(true);
  };

  const activate = async (key: DkimKey) => {
    const result = await action.run(
      () => post<DkimKey>(`${base}/keys/${encodeURIComponent(key.selector)}/activate`),
      () => `Key ${key.selector} is active.`,
    );
    if (result) refresh();
  };

  const remove = async (key: DkimKey) => {
    setDeleting(null);
    const result = await action.run(async () => {
      await del(`${base}/keys/${encodeURIComponent(key.selector)}`);
      return true;
    }, () => `Key ${key.selector} deleted.`);
    if (result) refresh();
  };

  const runValidation = async () => {
    setTest(null);
    const result = await action.run(
      () => post<DkimValidation>(`${base}/validate`),
      (answer) => (answer.ok ? 'Every key checked has a valid record.' : 'A key has no valid record yet.'),
    );
    if (result) {
      setValidation(result);
      refresh();
    }
  };

  const runTest = async () => {
    setValidation(null);
    const result = await action.run(() => post<DkimTestReport>(`${base}/test`), (answer) => `Test result: ${answer.result}.`);
    if (result) setTest(result);
  };

  return (
    <Page
      title={`DKIM of ${domain}`}
      actions={
        <>
          <button type="button" onClick={runValidation} disabled={action.pending}>
            Validate
          </button>
          <button type="button" onClick={runTest} disabled={action.pending}>
            Test
          </button>
        </>
      }
    >
      <DomainTabs domain={domain} current="dkim" checklist={checklist.checklist} />
      {showSpfWarning && (
        <Notice kind="warning">
          <p>
            <strong>Fix SPF first.</strong> DKIM is active for {domain} while its SPF record does not validate: receivers still reject or junk
            its mail. <Link href={`/domains/${encodeURIComponent(domain)}/spf`}>Open the SPF page</Link>.
          </p>
        </Notice>
      )}
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {validation && <ValidationPanel validation={validation} />}
      {test && <TestPanel report={test} />}

      <section class="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <ErrorNotice error={keys.error} />
        {keys.loading && !keys.data && <Loading what="Loading the keys" />}
        {keys.data && keys.data.items.length === 0 && <p class="empty">No key yet: generate one below.</p>}
        {keys.data?.items.map((key) => (
          <article class="card" key={key.selector} aria-label={`Key ${key.selector}`}>
            <h3>
              {key.selector} <Badge tone={checkTone(key.state)}>{key.state}</Badge>{' '}
              <span class="muted">
                {key.algorithm}, {key.key_bits} bits
              </span>
            </h3>
            <dl class="facts">
              <dt>Created</dt>
              <dd>
                <Time iso={key.created_at} />
              </dd>
              {key.activated_at && (
                <>
                  <dt>Activated</dt>
                  <dd>
                    <Time iso={key.activated_at} />
                  </dd>
                </>
              )}
              {key.retired_at && (
                <>
                  <dt>Retired</dt>
                  <dd>
                    <Time iso={key.retired_at} />
                  </dd>
                </>
              )}
              <dt>Last validation</dt>
              <dd>
                {key.last_validation ?? 'never validated'}
                {key.validated_at && (
                  <>
                    {' '}
                    (valid record seen <Time iso={key.validated_at} />)
                  </>
                )}
              </dd>
            </dl>
            <p>
              Publish this TXT record at <code>{key.record.name}</code>:
            </p>
            <CopyText value={key.record.value} label={`DKIM record ${key.record.name}`} />
            <details>
              <summary>For a zone file</summary>
              <CopyText value={`${key.record.name}. IN TXT ${key.record.zone_file}`} label={`zone file line for ${key.record.name}`} />
            </details>
            <div class="actions">
              {key.state !== 'active' && (
                <button type="button" disabled={action.pending} onClick={() => activate(key)}>
                  Activate<span class="visually-hidden"> {key.selector}</span>
                </button>
              )}
              <button type="button" class="danger" disabled={action.pending} onClick={() => setDeleting(key)}>
                Delete<span class="visually-hidden"> {key.selector}</span>
              </button>
            </div>
          </article>
        ))}
      </section>
      <GenerateKey base={base} onCreated={refresh} />
      {deleting && (
        <ConfirmDialog title={`Delete key ${deleting.selector}?`} confirmLabel="Delete key" danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>
            {deleting.state === 'active'
              ? 'This key signs mail now: deleting it stops signing with it.'
              : 'The key and its private half are deleted.'}{' '}
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

function GenerateKey({ base, onCreated }: { base: string; onCreated: () => void }) {
  const [selector, setSelector] = useState('');
  const [algorithm, setAlgorithm] = useState('rsa-2048');
  const action = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { algorithm };
    if (selector.trim()) body.selector = selector.trim();
    const key = await action.run(() => post<DkimKey>(`${base}/keys`, body), (created) => `Key ${created.selector} generated (pending): publish its record, then Validate.`);
    if (key) {
      setSelector('');
      onCreated();
    }
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="generate-heading">
      <h2 id="generate-heading">Generate a key</h2>
      <p class="hint">
        A new key is pending: publish its record, then Validate activates it. To rotate, generate a key with a new selector, publish and validate it;
        the old key of the same algorithm retires.
      </p>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="dkim-algorithm" label="Algorithm" error={fieldError(action.error, 'algorithm')}>
          <select id="dkim-algorithm" value={algorithm} onChange={(event) => setAlgorithm(event.currentTarget.value)}>
            {ALGORITHMS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </Field>
        <Field id="dkim-selector" label="Selector (empty: op + year and month)" error={fieldError(action.error, 'selector')}>
          <input id="dkim-selector" type="text" value={selector} onInput={(event) => setSelector(event.currentTarget.value)} />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={action.pending}>
        {action.pending ? 'Generating…' : 'Generate'}
      </button>
      <LiveMessage>{action.message}</LiveMessage>
    </form>
  );
}

function ValidationPanel({ validation }: { validation: DkimValidation }) {
  return (
    <section class="panel" aria-labelledby="dkim-validation-heading">
      <h2 id="dkim-validation-heading">
        Validation <Badge tone={validation.ok ? 'good' : 'bad'}>{validation.ok ? 'valid' : 'not valid'}</Badge>
      </h2>
      {validation.keys.map((check) => (
        <div class="card" key={check.selector}>
          <h3>
            {check.selector} <Badge tone={checkTone(check.status)}>{check.status}</Badge>
            {check.activated && <Badge tone="good">activated now</Badge>}
          </h3>
          <p>{check.summary}</p>
          <Findings findings={check.findings} />
          {check.records_found.length > 0 && (
            <>
              <p>Found at {check.record.name}:</p>
              {check.records_found.map((record, index) => (
                <pre class="transcript" key={index}>
                  {record}
                </pre>
              ))}
            </>
          )}
          {check.store_error && <p class="error-text">{check.store_error}</p>}
        </div>
      ))}
    </section>
  );
}

function TestPanel({ report }: { report: DkimTestReport }) {
  return (
    <section class="panel" aria-labelledby="dkim-test-heading">
      <h2 id="dkim-test-heading">
        Test <Badge tone={checkTone(report.result)}>{report.result}</Badge>
      </h2>
      {report.note && <p>{report.note}</p>}
      <ul>
        {report.verdicts.map((verdict, index) => (
          <li key={index}>
            <Badge tone={checkTone(verdict.result)}>{verdict.result}</Badge> {verdict.selector ?? '?'} ({verdict.algorithm ?? '?'}): {verdict.reason}
          </li>
        ))}
      </ul>
      <details>
        <summary>The signed sample message</summary>
        <pre class="transcript" tabIndex={0} aria-label="Signed sample message">
          {report.message}
        </pre>
      </details>
    </section>
  );
}
