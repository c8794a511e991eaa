import type { ValidationReport } from '../api';
import { Badge } from './Badge';
import { checkTone } from '../lib/statuses';
import { TableScroll } from './Page';

/** A relay validation: the verdict, each step (connect, EHLO, STARTTLS, AUTH…) and the transcript. */
export function ValidationResult({ report }: { report: ValidationReport }) {
  return (
    <div class="validation" aria-label="Validation result">
      <p class={'notice ' + (report.ok ? 'notice-success' : 'notice-error')}>
        <strong>{report.ok ? 'Valid: ' : 'Not valid: '}</strong>
        {report.verdict}
      </p>
      <TableScroll label="Validation steps">
        <table class="data-table">
          <caption class="visually-hidden">Validation steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Result</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {report.steps.map((step) => (
              <tr key={step.name}>
                <th scope="row">{step.name}</th>
                <td>
                  <Badge tone={step.status === 'skipped' ? 'neutral' : checkTone(step.status)}>{step.status}</Badge>
                </td>
                <td>{step.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {report.server && (
        <p class="muted">
          {report.server.host}:{report.server.port} ({report.server.ip}) {report.server.tls_version} {report.server.tls_cipher}
          {report.server.certificate?.subject && ` · certificate ${report.server.certificate.subject}, issued by ${report.server.certificate.issuer}`}
        </p>
      )}
      <h3>Transcript</h3>
      <pre class="transcript" tabIndex={0} aria-label="SMTP transcript">
        {report.transcript}
      </pre>
    </div>
  );
}
