import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, put, type ApiError, type NamedRelay, type Routing } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { relayBody, RelayFields, relayFormFrom, type RelayForm } from '../components/RelayFields';
import { useAction, useResource } from '../lib/useResource';

export function Relays() {
  const relays = useResource<{ items: NamedRelay[] }>('/settings/relays');
  const relayNames = relays.data?.items.map((relay) => relay.name) ?? [];
  return (
    <Page title="Relays and routes">
      <RelayList relays={relays.data?.items} error={relays.error} loading={relays.loading} onChanged={() => void relays.reload(true)} />
      {!relays.error?.forbidden && <RoutesEditor relayNames={relayNames} />}
    </Page>
  );
}

function RelayList(props: { relays: NamedRelay[] | undefined; error: ApiError | null; loading: boolean; onChanged: () => void }) {
  const [editing, setEditing] = useState<NamedRelay | 'new' | null>(null);
  const [deleting, setDeleting] = useState<NamedRelay | null>(null);
  const action = useAction();

  const remove = async (relay: NamedRelay) => {
    setDeleting(null);
    const done = await action.run(async () => {
      await del(`/settings/relays/${encodeURIComponent(relay.name)}`);
      return true;
    }, () => `Relay ${relay.name} deleted.`);
    if (done) props.onChanged();
  };

  return (
    <section class="panel" aria-labelledby="relays-heading">
      <div class="section-header">
        <h2 id="relays-heading">Named relays</h2>
        {!props.error && (
          <button type="button" onClick={() => setEditing('new')}>
            Add a relay
          </button>
        )}
      </div>
      <p class="hint">Routes send mail to a named relay as “relay:NAME”; the default relay is on the SMTP page.</p>
      <ErrorNotice error={props.error} />
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {props.loading && !props.relays && <Loading what="Loading the relays" />}
      {props.relays && props.relays.length === 0 && <p class="empty">No named relay.</p>}
      {props.relays && props.relays.length > 0 && (
        <TableScroll label="Relays table">
          <table class="data-table">
            <caption class="visually-hidden">Named relays</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Server</th>
                <th scope="col">TLS</th>
                <th scope="col">Login</th>
                <th scope="col">Fallback</th>
                <th scope="col">Connections</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.relays.map((relay) => (
                <tr key={relay.name}>
                  <th scope="row">{relay.name}</th>
                  <td>
                    {relay.host}:{relay.port}
                  </td>
                  <td>
                    {relay.tls}
                    {!relay.verify_certificate && ' (certificate not checked)'}
                  </td>
                  <td>{relay.username ? `${relay.username}, password ${relay.has_password ? 'set' : 'not set'}` : 'none'}</td>
                  <td>{relay.fallback || 'none (defer)'}</td>
                  <td>{relay.max_connections || 'default'}</td>
                  <td class="row-actions">
                    <button type="button" onClick={() => setEditing(relay)}>
                      Edit<span class="visually-hidden"> {relay.name}</span>
                    </button>
                    <button type="button" class="danger" disabled={action.pending} onClick={() => setDeleting(relay)}>
                      Delete<span class="visually-hidden"> {relay.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {editing && (
        <RelayEditor
          key={editing === 'new' ? 'new' : editing.name}
          relay={editing === 'new' ? null : editing}
          otherRelays={(props.relays ?? []).map((relay) => relay.name).filter((name) => editing === 'new' || name !== editing.name)}
          onDone={() => {
            setEditing(null);
            props.onChanged();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog title={`Delete relay ${deleting.name}?`} confirmLabel="Delete relay" danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>A relay that a route or another relay's fallback names cannot be deleted; change those first.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function RelayEditor(props: { relay: NamedRelay | null; otherRelays: string[]; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(props.relay?.name ?? '');
  const [form, setForm] = useState<RelayForm>(relayFormFrom(props.relay ?? undefined));
  const [fallback, setFallback] = useState(props.relay?.fallback ?? '');
  const [maxConnections, setMaxConnections] = useState(String(props.relay?.max_connections ?? 0));
  const action = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const relayName = name.trim();
    const body = { ...relayBody(form), fallback, max_connections: Number(maxConnections) || 0 };
    const saved = await action.run(() => put<NamedRelay>(`/settings/relays/${encodeURIComponent(relayName)}`, body));
    if (saved) props.onDone();
  };

  const fallbacks = ['', 'mx', 'relay', ...props.otherRelays.map((other) => `relay:${other}`)];
  return (
    <form class="card" onSubmit={submit} aria-labelledby="relay-editor-heading">
      <h3 id="relay-editor-heading">{props.relay ? `Edit relay ${props.relay.name}` : 'New relay'}</h3>
      <ErrorNotice error={action.error} />
      {!props.relay && (
        <Field id="relay-name" label="Name (a-z, 0-9, - and _)" error={fieldError(action.error, 'name')}>
          <input id="relay-name" type="text" required pattern="[a-z0-9_\-]{1,64}" value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </Field>
      )}
      <RelayFields idPrefix="relay" form={form} onChange={setForm} hasPassword={props.relay?.has_password ?? false} error={action.error} />
      <div class="form-grid">
        <Field id="relay-fallback" label="When it cannot be reached" error={fieldError(action.error, 'fallback')}>
          <select id="relay-fallback" value={fallback} onChange={(event) => setFallback(event.currentTarget.value)}>
            {fallbacks.map((option) => (
              <option key={option} value={option}>
                {option === '' ? 'Defer the mail' : option === 'mx' ? 'Deliver direct to MX' : option === 'relay' ? 'Use the default relay' : option}
              </option>
            ))}
          </select>
        </Field>
        <Field id="relay-connections" label="Sessions at once (0: the default)" error={fieldError(action.error, 'max_connections')}>
          <input id="relay-connections" type="number" min={0} max={1000} value={maxConnections} onInput={(event) => setMaxConnections(event.currentTarget.value)} />
        </Field>
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={action.pending || !name.trim()}>
          Save relay
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type Row = { key: string; value: string };
type LimitRow = { key: string; connections: string; messagesPerMinute: string };

function rowsFrom(map: Record<string, string> | undefined): Row[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

function mapFrom(rows: Row[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const row of rows) if (row.key.trim()) map[row.key.trim().toLowerCase()] = row.value;
  return map;
}

interface RoutesForm {
  automaticDefault: boolean;
  defaultRoute: string;
  domains: Row[];
  senderDomains: Row[];
  tls: Row[];
  limits: LimitRow[];
}

function routesFormFrom(routing: Routing): RoutesForm {
  return {
    automaticDefault: routing.default === null || routing.default === undefined,
    defaultRoute: routing.default ?? routing.effective_default ?? 'relay',
    domains: rowsFrom(routing.domains),
    senderDomains: rowsFrom(routing.sender_domains),
    tls: rowsFrom(routing.tls),
    limits: Object.entries(routing.limits ?? {}).map(([key, limit]) => ({
      key,
      connections: limit.connections === undefined ? '' : String(limit.connections),
      messagesPerMinute: limit.messages_per_minute === undefined ? '' : String(limit.messages_per_minute),
    })),
  };
}

function routingBody(form: RoutesForm): Record<string, unknown> {
  const limits: Record<string, { connections?: number; messages_per_minute?: number }> = {};
  for (const row of form.limits) {
    if (!row.key.trim()) continue;
    const limit: { connections?: number; messages_per_minute?: number } = {};
    if (row.connections !== '') limit.connections = Number(row.connections);
    if (row.messagesPerMinute !== '') limit.messages_per_minute = Number(row.messagesPerMinute);
    limits[row.key.trim().toLowerCase()] = limit;
  }
  return {
    default: form.automaticDefault ? null : form.defaultRoute,
    domains: mapFrom(form.domains),
    sender_domains: mapFrom(form.senderDomains),
    tls: mapFrom(form.tls),
    limits,
  };
}

function RouteSelect(props: { id: string; value: string; relayNames: string[]; onChange: (value: string) => void; label?: string }) {
  const options = ['mx', 'relay', 'sandbox', ...props.relayNames.map((name) => `relay:${name}`)];
  if (props.value && !options.includes(props.value)) options.push(props.value);
  const labels: Record<string, string> = { mx: 'Direct to MX', relay: 'The default relay', sandbox: 'Sandbox (capture, do not send)' };
  return (
    <select id={props.id} aria-label={props.label} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
      {options.map((option) => (
        <option key={option} value={option}>
          {labels[option] ?? option}
        </option>
      ))}
    </select>
  );
}

function KeyValueRows(props: {
  idPrefix: string;
  title: string;
  keyLabel: string;
  valueLabel: string;
  rows: Row[];
  onChange: (rows: Row[]) => void;
  renderValue: (id: string, label: string, value: string, change: (value: string) => void) => ComponentChildren;
  defaultValue: string;
  errorPrefix: string;
  error: ApiError | null;
}) {
  const update = (index: number, row: Row) => props.onChange(props.rows.map((item, position) => (position === index ? row : item)));
  return (
    <fieldset class="card">
      <legend>{props.title}</legend>
      {props.rows.length === 0 && <p class="empty">None.</p>}
      {props.rows.map((row, index) => {
        const keyId = `${props.idPrefix}-key-${index}`;
        const valueId = `${props.idPrefix}-value-${index}`;
        const error = fieldError(props.error, `${props.errorPrefix}.${row.key.trim().toLowerCase()}`);
        return (
          <div class="key-value-row" key={index}>
            <Field id={keyId} label={props.keyLabel}>
              <input id={keyId} type="text" value={row.key} onInput={(event) => update(index, { ...row, key: event.currentTarget.value })} />
            </Field>
            <Field id={valueId} label={props.valueLabel} error={error}>
              {props.renderValue(valueId, props.valueLabel, row.value, (value) => update(index, { ...row, value }))}
            </Field>
            <button type="button" onClick={() => props.onChange(props.rows.filter((_, position) => position !== index))}>
              Remove<span class="visually-hidden"> {row.key || 'row'}</span>
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => props.onChange([...props.rows, { key: '', value: props.defaultValue }])}>
        Add<span class="visually-hidden"> to {props.title}</span>
      </button>
    </fieldset>
  );
}

function RoutesEditor({ relayNames }: { relayNames: string[] }) {
  const routing = useResource<Routing>('/settings/routes');
  const [form, setForm] = useState<RoutesForm | null>(null);
  const action = useAction();
  const [confirmReset, setConfirmReset] = useState(false);

  useEffect(() => {
    if (routing.data) setForm(routesFormFrom(routing.data));
  }, [routing.data]);

  if (routing.error) return <ErrorNotice error={routing.error} />;
  if (!routing.data || !form) return <Loading what="Loading the routes" />;

  const save = async (event: Event) => {
    event.preventDefault();
    const saved = await action.run(() => put<Routing>('/settings/routes', routingBody(form)), () => 'Routes saved.');
    if (saved) routing.setData(saved);
  };
  const reset = async () => {
    setConfirmReset(false);
    const table = await action.run(() => del<Routing>('/settings/routes'), () => 'The configuration file’s routes apply again.');
    if (table) routing.setData(table);
  };

  const routeValue = (id: string, label: string, value: string, change: (value: string) => void) => (
    <RouteSelect id={id} value={value} relayNames={relayNames} onChange={change} label={label} />
  );
  const tlsValue = (id: string, _label: string, value: string, change: (value: string) => void) => (
    <select id={id} value={value} onChange={(event) => change(event.currentTarget.value)}>
      <option value="opportunistic">opportunistic</option>
      <option value="require-tls">require TLS</option>
      <option value="none">none</option>
    </select>
  );

  return (
    <form class="panel" onSubmit={save} aria-labelledby="routes-heading">
      <h2 id="routes-heading">Routes</h2>
      <p class="hint">
        In force: {routing.data.source === 'api' ? 'saved here' : 'from the configuration file'}; default route now{' '}
        <code>{routing.data.effective_default}</code>. A key “example.org” matches that domain, “.example.org” its subdomains.
      </p>
      <ErrorNotice error={action.error} />
      <fieldset class="card">
        <legend>Default route</legend>
        <div class="field field-check">
          <input
            id="route-automatic"
            type="checkbox"
            checked={form.automaticDefault}
            onChange={(event) => setForm({ ...form, automaticDefault: event.currentTarget.checked })}
          />
          <label for="route-automatic">Automatic (the default relay once saved, else the sandbox)</label>
        </div>
        {!form.automaticDefault && (
          <Field id="route-default" label="Default route" error={fieldError(action.error, 'default')}>
            <RouteSelect id="route-default" value={form.defaultRoute} relayNames={relayNames} onChange={(value) => setForm({ ...form, defaultRoute: value })} />
          </Field>
        )}
      </fieldset>
      <KeyValueRows
        idPrefix="route-domain"
        title="By recipient domain"
        keyLabel="Recipient domain"
        valueLabel="Route"
        rows={form.domains}
        onChange={(rows) => setForm({ ...form, domains: rows })}
        renderValue={routeValue}
        defaultValue="mx"
        errorPrefix="domains"
        error={action.error}
      />
      <KeyValueRows
        idPrefix="route-sender"
        title="By sender domain"
        keyLabel="Sender domain"
        valueLabel="Route"
        rows={form.senderDomains}
        onChange={(rows) => setForm({ ...form, senderDomains: rows })}
        renderValue={routeValue}
        defaultValue="relay"
        errorPrefix="sender_domains"
        error={action.error}
      />
      <KeyValueRows
        idPrefix="route-tls"
        title="TLS for direct MX delivery"
        keyLabel="Recipient domain"
        valueLabel="TLS"
        rows={form.tls}
        onChange={(rows) => setForm({ ...form, tls: rows })}
        renderValue={tlsValue}
        defaultValue="require-tls"
        errorPrefix="tls"
        error={action.error}
      />
      <fieldset class="card">
        <legend>Limits by recipient domain</legend>
        {form.limits.length === 0 && <p class="empty">None.</p>}
        {form.limits.map((row, index) => {
          const update = (next: LimitRow) => setForm({ ...form, limits: form.limits.map((item, position) => (position === index ? next : item)) });
          const prefix = `limits.${row.key.trim().toLowerCase()}`;
          return (
            <div class="key-value-row" key={index}>
              <Field id={`limit-key-${index}`} label="Recipient domain">
                <input id={`limit-key-${index}`} type="text" value={row.key} onInput={(event) => update({ ...row, key: event.currentTarget.value })} />
              </Field>
              <Field id={`limit-connections-${index}`} label="Connections" error={fieldError(action.error, `${prefix}.connections`)}>
                <input
                  id={`limit-connections-${index}`}
                  type="number"
                  min={1}
                  value={row.connections}
                  onInput={(event) => update({ ...row, connections: event.currentTarget.value })}
                />
              </Field>
              <Field id={`limit-rate-${index}`} label="Messages per minute (0: no limit)" error={fieldError(action.error, `${prefix}.messages_per_minute`)}>
                <input
                  id={`limit-rate-${index}`}
                  type="number"
                  min={0}
                  value={row.messagesPerMinute}
                  onInput={(event) => update({ ...row, messagesPerMinute: event.currentTarget.value })}
                />
              </Field>
              <button type="button" onClick={() => setForm({ ...form, limits: form.limits.filter((_, position) => position !== index) })}>
                Remove<span class="visually-hidden"> limit {row.key}</span>
              </button>
            </div>
          );
        })}
        <button type="button" onClick={() => setForm({ ...form, limits: [...form.limits, { key: '', connections: '', messagesPerMinute: '' }] })}>
          Add<span class="visually-hidden"> a limit</span>
        </button>
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={action.pending}>
          Save routes
        </button>
        <button type="button" disabled={action.pending} onClick={() => setForm(routesFormFrom(routing.data!))}>
          Undo changes
        </button>
        {routing.data.source === 'api' && (
          <button type="button" class="danger" disabled={action.pending} onClick={() => setConfirmReset(true)}>
            Use the configuration file's routes
          </button>
        )}
      </div>
      <LiveMessage>{action.message}</LiveMessage>
      {confirmReset && (
        <ConfirmDialog title="Forget the saved routes?" confirmLabel="Forget saved routes" danger onConfirm={reset} onCancel={() => setConfirmReset(false)}>
          <p>The routes of the configuration file apply again.</p>
        </ConfirmDialog>
      )}
    </form>
  );
}
