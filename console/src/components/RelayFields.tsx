import type { ApiError, RelaySettings, TlsMode } from '../api';
import { TLS_MODES } from '../api';
import { describedBy, Field } from './Field';
import { fieldError } from './ErrorNotice';

export const TLS_LABELS: Record<TlsMode, string> = {
  starttls: 'STARTTLS (required)',
  'starttls-opportunistic': 'STARTTLS when offered',
  tls: 'Implicit TLS (port 465)',
  none: 'No TLS',
};

export interface RelayForm {
  host: string;
  port: string;
  tls: TlsMode;
  verify_certificate: boolean;
  username: string;
  /** Empty keeps the saved password: the server never sends it back. */
  password: string;
  helo_name: string;
  ca_file: string;
}

export function relayFormFrom(settings: Partial<RelaySettings> | undefined): RelayForm {
  return {
    host: settings?.host ?? '',
    port: String(settings?.port ?? 587),
    tls: settings?.tls ?? 'starttls',
    verify_certificate: settings?.verify_certificate ?? true,
    username: settings?.username ?? '',
    password: '',
    helo_name: settings?.helo_name ?? '',
    ca_file: settings?.ca_file ?? '',
  };
}

/** The JSON body PUT and validate take; an empty password is left out so the saved one stays. */
export function relayBody(form: RelayForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    host: form.host.trim(),
    port: Number(form.port),
    tls: form.tls,
    verify_certificate: form.verify_certificate,
    username: form.username,
    helo_name: form.helo_name.trim(),
    ca_file: form.ca_file.trim(),
  };
  if (form.password) body.password = form.password;
  return body;
}

/** The connection fields shared by the default relay (SMTP page) and named relays. */
export function RelayFields(props: {
  idPrefix: string;
  form: RelayForm;
  onChange: (form: RelayForm) => void;
  hasPassword: boolean;
  error: ApiError | null;
}) {
  const { idPrefix, form, onChange, hasPassword, error } = props;
  const set = <K extends keyof RelayForm>(key: K, value: RelayForm[K]) => onChange({ ...form, [key]: value });
  const id = (name: string) => `${idPrefix}-${name}`;
  const passwordHint = hasPassword ? 'A password is set; leave empty to keep it.' : 'No password is set.';
  return (
    <div class="form-grid">
      <Field id={id('host')} label="Host" error={fieldError(error, 'host')}>
        <input
          id={id('host')}
          type="text"
          required
          value={form.host}
          aria-describedby={describedBy(id('host'), undefined, fieldError(error, 'host'))}
          onInput={(event) => set('host', event.currentTarget.value)}
        />
      </Field>
      <Field id={id('port')} label="Port" error={fieldError(error, 'port')}>
        <input
          id={id('port')}
          type="number"
          min={1}
          max={65535}
          value={form.port}
          aria-describedby={describedBy(id('port'), undefined, fieldError(error, 'port'))}
          onInput={(event) => set('port', event.currentTarget.value)}
        />
      </Field>
      <Field id={id('tls')} label="TLS mode" error={fieldError(error, 'tls')}>
        <select id={id('tls')} value={form.tls} onChange={(event) => set('tls', event.currentTarget.value as TlsMode)}>
          {TLS_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {TLS_LABELS[mode]}
            </option>
          ))}
        </select>
      </Field>
      <Field id={id('username')} label="Username" error={fieldError(error, 'username')}>
        <input
          id={id('username')}
          type="text"
          autoComplete="off"
          value={form.username}
          onInput={(event) => set('username', event.currentTarget.value)}
        />
      </Field>
      <Field id={id('password')} label={`Password (${hasPassword ? 'set' : 'not set'})`} hint={passwordHint} error={fieldError(error, 'password')}>
        <input
          id={id('password')}
          type="password"
          autoComplete="new-password"
          value={form.password}
          aria-describedby={describedBy(id('password'), passwordHint, fieldError(error, 'password'))}
          onInput={(event) => set('password', event.currentTarget.value)}
        />
      </Field>
      <Field id={id('helo')} label="HELO name (empty: the configured hostname)" error={fieldError(error, 'helo_name')}>
        <input id={id('helo')} type="text" value={form.helo_name} onInput={(event) => set('helo_name', event.currentTarget.value)} />
      </Field>
      <Field id={id('ca')} label="CA file on the server (empty: system store)" error={fieldError(error, 'ca_file')}>
        <input id={id('ca')} type="text" value={form.ca_file} onInput={(event) => set('ca_file', event.currentTarget.value)} />
      </Field>
      <div class="field field-check">
        <input
          id={id('verify')}
          type="checkbox"
          checked={form.verify_certificate}
          onChange={(event) => set('verify_certificate', event.currentTarget.checked)}
        />
        <label for={id('verify')}>Check the server certificate</label>
      </div>
    </div>
  );
}
