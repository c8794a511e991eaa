import { useState } from 'preact/hooks';
import { del, post, type ApiKey, type User } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { SecretDialog } from '../components/SecretDialog';
import { Time } from '../components/Time';
import { can } from '../lib/permissions';
import { useSession } from '../lib/session';
import { useAction, useResource } from '../lib/useResource';

export function ApiKeys() {
  const { user } = useSession();
  const keys = useResource<{ items: ApiKey[] }>('/apikeys');
  const action = useAction();
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const mayManage = can.manageApiKeys(user.role);

  const remove = async (key: ApiKey) => {
    setDeleting(null);
    const result = await action.run(async () => {
      await del(`/apikeys/${key.id}`);
      return true;
    }, () => `Key ${key.name} deleted.`);
    if (result) void keys.reload(true);
  };

  return (
    <Page title="API keys">
      <ErrorNotice error={keys.error} />
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {keys.loading && !keys.data && <Loading what="Loading the API keys" />}
      {keys.data && keys.data.items.length === 0 && <p class="empty">No API key yet.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <TableScroll label="API keys table">
          <table class="data-table">
            <caption class="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Owner</th>
                <th scope="col">Scope</th>
                <th scope="col">Sender domains</th>
                <th scope="col">Created</th>
                {mayManage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}</code>
                  </td>
                  <td>{key.user_email}</td>
                  <td>{key.scope === 'send' ? 'send only' : 'full'}</td>
                  <td>{key.domains.length ? key.domains.join(', ') : 'any'}</td>
                  <td>
                    <Time iso={key.created_at} />
                  </td>
                  {mayManage && (
                    <td>
                      <button type="button" class="danger" disabled={action.pending} onClick={() => setDeleting(key)}>
                        Delete<span class="visually-hidden"> key {key.name}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {mayManage && (
        <CreateKey
          onCreated={(name, key) => {
            void keys.reload(true);
            setCreated({ name, key });
          }}
        />
      )}
      {created && (
        <SecretDialog
          title={`API key ${created.name}`}
          explanation="Applications send it as “Authorization: Bearer …”."
          secret={created.key}
          label={`API key ${created.name}`}
          onClose={() => setCreated(null)}
        />
      )}
      {deleting && (
        <ConfirmDialog title={`Delete API key ${deleting.name}?`} confirmLabel="Delete key" danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>Applications using this key can no longer send. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

function CreateKey({ onCreated }: { onCreated: (name: string, key: string) => void }) {
  const { user } = useSession();
  const users = useResource<{ items: User[] }>('/users');
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'send' | 'full'>('send');
  const [domains, setDomains] = useState('');
  const [owner, setOwner] = useState('');
  const action = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { name: name.trim(), scope };
    const domainList = domains
      .split(/[\s,]+/)
      .map((domain) => domain.trim().toLowerCase())
      .filter(Boolean);
    if (domainList.length) body.domains = domainList;
    if (owner) body.user_id = Number(owner);
    const result = await action.run(() => post<{ api_key: ApiKey; key: string }>('/apikeys', body), (answer) => `Key ${answer.api_key.name} created.`);
    if (result) {
      setName('');
      setDomains('');
      onCreated(result.api_key.name, result.key);
    }
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create an API key</h2>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="key-name" label="Name" error={fieldError(action.error, 'name')}>
          <input id="key-name" type="text" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </Field>
        <Field id="key-scope" label="Scope" error={fieldError(action.error, 'scope')}>
          <select id="key-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value as 'send' | 'full')}>
            <option value="send">Send only (submit and read its own messages)</option>
            <option value="full">Full (act with the owner's role)</option>
          </select>
        </Field>
        <Field id="key-domains" label="Sender domains (comma separated; empty: any)" error={fieldError(action.error, 'domains')}>
          <input id="key-domains" type="text" value={domains} onInput={(event) => setDomains(event.currentTarget.value)} />
        </Field>
        <Field id="key-owner" label="Owner" error={fieldError(action.error, 'user_id')}>
          <select id="key-owner" value={owner} onChange={(event) => setOwner(event.currentTarget.value)}>
            <option value="">{user.email} (you)</option>
            {users.data?.items
              .filter((item) => item.id !== user.id)
              .map((item) => (
                <option key={item.id} value={String(item.id)}>
                  {item.email}
                </option>
              ))}
          </select>
        </Field>
      </div>
      <button type="submit" class="primary" disabled={action.pending || !name.trim()}>
        {action.pending ? 'Creating…' : 'Create key'}
      </button>
      <LiveMessage>{action.message}</LiveMessage>
    </form>
  );
}
