import { useState } from 'preact/hooks';
import { post, type SpfDomainResult, type SpfTestResult, type SpfValidation } from '../api';
import { Badge } from '../components/Badge';
import { CopyText } from '../components/CopyText';
import { DomainTabs } from '../components/DomainTabs';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Findings } from '../components/Findings';
import { Loading } from '../components/Loading';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { CHECK_LABELS, checkTone } from '../lib/statuses';
import { useDomainChecklist } from '../lib/useDomainChecklist';
import { useAction } from '../lib/useResource';

export function DomainSpf({ domain }: { domain: string }) {
  const base = `/domains/${encodeURIComponent(domain)}/spf`;
  const checklist = useDomainChecklist(domain);
  const validate = useAction();
  const [validation, setValidation] = useState<SpfValidation | null>(null);
  const shown = validation ?? checklist.checklist?.spf ?? null;

  const runValidation = async () => {
    const result = await validate.run(() => post<SpfValidation>(`${base}/validate`, {}), (answer) => `Validated: ${CHECK_LABELS[answer.status]}.`);
    if (result) setValidation(result);
  };

  return (
    <Page
      title={`SPF of ${domain}`}
      actions={
        <button type="button" onClick={runValidation} disabled={validate.pending}>
          {validate.pending ? 'Validating…' : 'Validate'}
        </button>
      }
    >
      <DomainTabs domain={domain} current="spf" checklist={checklist.checklist} />
      <ErrorNotice error={checklist.error ?? validate.error} />
      <LiveMessage>{validate.message}</LiveMessage>
      {(checklist.loading || validate.pending) && !shown && <Loading what="Checking SPF" />}
      {shown && <SpfReport validation={shown} />}
      <SpfTest base={base} domain={domain} />
    </Page>
  );
}

function SpfReport({ validation }: { validation: SpfValidation }) {
  return (
    <>
      <section class="panel" aria-labelledby="spf-status-heading">
        <h2 id="spf-status-heading">
          Verdict <Badge tone={checkTone(validation.status)}>{CHECK_LABELS[validation.status]}</Badge>
        </h2>
        <p>{validation.reason}</p>
        {validation.next_step && (
          <p>
            <strong>Next step:</strong> {validation.next_step}
          </p>
        )}
        <p class="muted">MAIL FROM domain checked: {validation.mail_from_domain}</p>
        {validation.notes.length > 0 && (
          <ul>
            {validation.notes.map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        )}
        <h3>Where outpost sends from</h3>
        <ul>
          {validation.paths.map((path, index) => (
            <li key={index}>
              {path.label}: {path.addresses.join(', ') || 'no address'}
              {path.error && <span class="error-text"> ({path.error})</span>}
              {path.note && <span class="muted"> ({path.note})</span>}
            </li>
          ))}
        </ul>
      </section>
      {validation.domains.map((result) => (
        <SpfDomain key={result.domain} result={result} />
      ))}
    </>
  );
}

function SpfDomain({ result }: { result: SpfDomainResult }) {
  const analysis = result.analysis;
  const roles = [result.sending ? 'the sending (From) domain' : '', result.mail_from ? 'the MAIL FROM domain' : ''].filter(Boolean).join(' and ');
  return (
    <section class="panel" aria-label={`SPF of ${result.domain}`}>
      <h2>
        {result.domain} <span class="muted">({roles})</span> <Badge tone={result.pass ? 'good' : 'bad'}>{result.pass ? 'passes' : 'does not pass'}</Badge>
      </h2>
      <h3>Published</h3>
      {analysis.records.length === 0 ? (
        <p class="empty">No SPF record is published.</p>
      ) : (
        analysis.records.map((record, index) => (
          <pre class="transcript" key={index}>
            {record}
          </pre>
        ))
      )}
      {analysis.syntax_error && <p class="error-text">Syntax: {analysis.syntax_error}</p>}
      {analysis.dns_error && <p class="error-text">DNS: {analysis.dns_error}</p>}
      <p class="muted">
        {analysis.dns_terms} of 10 DNS-querying terms, {analysis.void_lookups} void lookups.
      </p>
      <h3>Findings</h3>
      <Findings findings={analysis.findings} />
      {result.results.length > 0 && (
        <>
          <h3>Result for each sending address</h3>
          <TableScroll label={`SPF results for ${result.domain}`}>
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Address</th>
                  <th scope="col">Result</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {result.results.map((row, index) => (
                  <tr key={index}>
                    <td>{row.path}</td>
                    <td>{row.address}</td>
                    <td>
                      <Badge tone={checkTone(row.check.result)}>{row.check.result}</Badge>
                    </td>
                    <td>{row.check.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
      <h3>Recommended record</h3>
      {result.recommendation.changed ? (
        <p>Publish this TXT record at {result.domain} (replacing the SPF record there):</p>
      ) : (
        <p>The published record already does the job.</p>
      )}
      <CopyText value={result.recommendation.record} label={`SPF record for ${result.domain}`} />
      {result.recommendation.added.length > 0 && <p class="muted">Added: {result.recommendation.added.join(' ')}</p>}
      {result.recommendation.removed.length > 0 && <p class="muted">Removed: {result.recommendation.removed.join(' ')}</p>}
      {result.recommendation.notes.length > 0 && (
        <ul>
          {result.recommendation.notes.map((note, index) => (
            <li key={index}>{note}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SpfTest({ base, domain }: { base: string; domain: string }) {
  const [ip, setIp] = useState('');
  const [helo, setHelo] = useState('');
  const [sender, setSender] = useState('');
  const action = useAction();
  const [result, setResult] = useState<SpfTestResult | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { ip: ip.trim() };
    if (helo.trim()) body.helo = helo.trim();
    if (sender.trim()) body.sender = sender.trim();
    const answer = await action.run(() => post<SpfTestResult>(`${base}/test`, body), (test) => `Result: ${test.result}.`);
    setResult(answer ?? null);
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="spf-test-heading">
      <h2 id="spf-test-heading">Test an address</h2>
      <p class="hint">Runs the SPF check a receiver would run for a connection from this address.</p>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="spf-ip" label="IP address" error={fieldError(action.error, 'ip')}>
          <input id="spf-ip" type="text" required value={ip} onInput={(event) => setIp(event.currentTarget.value)} />
        </Field>
        <Field id="spf-helo" label="HELO name (optional)" error={fieldError(action.error, 'helo')}>
          <input id="spf-helo" type="text" value={helo} onInput={(event) => setHelo(event.currentTarget.value)} />
        </Field>
        <Field id="spf-sender" label={`Sender (default postmaster@${domain})`} error={fieldError(action.error, 'sender')}>
          <input id="spf-sender" type="text" value={sender} onInput={(event) => setSender(event.currentTarget.value)} />
        </Field>
      </div>
      <button type="submit" disabled={action.pending || !ip.trim()}>
        {action.pending ? 'Testing…' : 'Test'}
      </button>
      <LiveMessage>{action.message}</LiveMessage>
      {result && (
        <div>
          <p>
            <Badge tone={checkTone(result.result)}>{result.result}</Badge> {result.reason}
            {result.explanation && <> ({result.explanation})</>}
          </p>
          <p class="muted">
            {result.ip}, HELO {result.helo}, sender {result.sender}; record: <code>{result.record || 'none'}</code>; {result.dns_terms} DNS-querying
            terms.
          </p>
          <details>
            <summary>DNS lookups ({result.lookups.length})</summary>
            <ul>
              {result.lookups.map((lookup, index) => (
                <li key={index}>
                  {'  '.repeat(lookup.depth)}
                  {lookup.type} {lookup.name}: {lookup.outcome}
                  {lookup.void ? ' (void)' : ''}
                </li>
              ))}
            </ul>
          </details>
        </div>
      )}
    </form>
  );
}
