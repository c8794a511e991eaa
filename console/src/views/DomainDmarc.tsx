import { useState } from 'preact/hooks';
import { post, type DmarcAlignment, type DmarcReport } from '../api';
import { Badge } from '../components/Badge';
import { CopyText } from '../components/CopyText';
import { DomainTabs } from '../components/DomainTabs';
import { ErrorNotice } from '../components/ErrorNotice';
import { Findings } from '../components/Findings';
import { Loading } from '../components/Loading';
import { LiveMessage, Page } from '../components/Page';
import { CHECK_LABELS, checkTone } from '../lib/statuses';
import { useDomainChecklist } from '../lib/useDomainChecklist';
import { useAction } from '../lib/useResource';

export function DomainDmarc({ domain }: { domain: string }) {
  const checklist = useDomainChecklist(domain);
  const action = useAction();
  const [validation, setValidation] = useState<DmarcReport | null>(null);
  const report = validation ?? checklist.checklist?.dmarc ?? null;

  const runValidation = async () => {
    const result = await action.run(
      () => post<DmarcReport>(`/domains/${encodeURIComponent(domain)}/dmarc/validate`, {}),
      (answer) => `Validated: ${CHECK_LABELS[answer.status]}.`,
    );
    if (result) setValidation(result);
  };

  return (
    <Page
      title={`DMARC of ${domain}`}
      actions={
        <button type="button" onClick={runValidation} disabled={action.pending}>
          {action.pending ? 'Validating…' : 'Validate'}
        </button>
      }
    >
      <DomainTabs domain={domain} current="dmarc" checklist={checklist.checklist} />
      <ErrorNotice error={checklist.error ?? action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {!report && (checklist.loading || action.pending) && <Loading what="Checking DMARC" />}
      {report && <DmarcDetails report={report} />}
    </Page>
  );
}

function AlignmentLine({ name, alignment }: { name: string; alignment: DmarcAlignment }) {
  return (
    <li>
      <strong>{name}:</strong> <Badge tone={alignment.aligned ? 'good' : 'bad'}>{alignment.aligned ? 'aligned' : 'not aligned'}</Badge>{' '}
      {alignment.sentence}
    </li>
  );
}

function DmarcDetails({ report }: { report: DmarcReport }) {
  const policy = report.policy;
  return (
    <>
      <section class="panel" aria-labelledby="dmarc-published-heading">
        <h2 id="dmarc-published-heading">
          Published policy <Badge tone={checkTone(report.status)}>{CHECK_LABELS[report.status]}</Badge>
        </h2>
        <p>{report.reason}</p>
        {policy.found ? (
          <>
            <p>
              Found at <code>{policy.name}</code>
              {policy.location === 'organizational_domain' && ' (the organizational domain)'}
              {!policy.applies && ': receivers do not apply it'}:
            </p>
            {policy.records_found.map((record, index) => (
              <pre class="transcript" key={index}>
                {record}
              </pre>
            ))}
          </>
        ) : (
          <p class="empty">No DMARC policy is published.</p>
        )}
        {policy.error && <p class="error-text">Lookup failed: {policy.error.message}</p>}
        {policy.errors.length > 0 && (
          <ul>
            {policy.errors.map((error, index) => (
              <li key={index} class="error-text">
                {error.tag}: {error.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="panel" aria-labelledby="dmarc-alignment-heading">
        <h2 id="dmarc-alignment-heading">Alignment of outpost's mail</h2>
        <p class="muted">
          Signs with d={report.setup.dkim_domain ?? 'nothing (unsigned)'}; MAIL FROM domain {report.setup.mail_from_domain}.
        </p>
        <ul>
          <AlignmentLine name="DKIM" alignment={report.alignment.dkim} />
          <AlignmentLine name="SPF" alignment={report.alignment.spf} />
        </ul>
        {report.store_error && <p class="error-text">{report.store_error}</p>}
      </section>
      <section class="panel" aria-labelledby="dmarc-recommendation-heading">
        <h2 id="dmarc-recommendation-heading">Recommendation</h2>
        {report.next_step && (
          <p>
            <strong>Next step:</strong> {report.next_step}
          </p>
        )}
        <p>
          {report.recommendation.change ? 'Publish this TXT record' : 'The published record is the recommended one'} at{' '}
          <code>{report.recommendation.name}</code>:
        </p>
        <CopyText value={report.recommendation.record} label={`DMARC record ${report.recommendation.name}`} />
        <h3>Findings</h3>
        <Findings findings={report.recommendation.findings} />
        {report.recommendation.steps.length > 0 && (
          <>
            <h3>Steps towards p=reject</h3>
            <ol>
              {report.recommendation.steps.map((step, index) => (
                <li key={index}>
                  {step.step} <span class="muted">({step.condition})</span>
                  {step.record && <CopyText value={step.record} label={`record for step ${index + 1}`} />}
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
    </>
  );
}
