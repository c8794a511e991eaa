import { useState } from 'preact/hooks';
import { del, patch, post, type Role, type User } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { ErrorNotice, fieldError } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { LiveMessage, Page, TableScroll } from '../components/Page';
import { SecretDialog } from '../components/SecretDialog';
import { Time } from '../components/Time';
import { can, ROLE_LABELS, ROLES } from '../lib/permissions';
import { useSession } from '../lib/session';
import { useAction, useResource } from '../lib/useResource';

/** A random password for a reset; the reader copies it once and hands it over. */
function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const values = crypto.getRandomValues(new Uint32Array(20));
  return Array.from(values, (value) => alphabet[value % alphabet.length]).join('');
}

export function Users() {
  const { user: me } = useSession();
  const users = useResource<{ items: User[] }>('/users');
  const action = useAction();
  const [secret, setSecret] = useState<{ email: string; password: string } | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const mayManage = can.manageUsers(me.role);

  const changeRole = async (user: User, role: Role) => {
    const result = await action.run(() => patch<{ user: User }>(`/users/${user.id}`, { role }), () => `${user.email} is now ${ROLE_LABELS[role]}.`);
    if (result) void users.reload(true);
  };

  const resetPassword = async (user: User) => {
    setResetting(null);
    const password = generatePassword();
    const result = await action.run(() => patch<{ user: User }>(`/users/${user.id}`, { password }), () => `Password of ${user.email} reset.`);
    if (result) setSecret({ email: user.email, password });
  };

  const remove = async (user: User) => {
    setDeleting(null);
    const result = await action.run(async () => {
      await del(`/users/${user.id}`);
      return true;
    }, () => `${user.email} deleted.`);
    if (result) void users.reload(true);
  };

  return (
    <Page title="Users">
      <ErrorNotice error={users.error} />
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
      {users.loading && !users.data && <Loading what="Loading the users" />}
      {users.data && (
        <TableScroll label="Users table">
          <table class="data-table">
            <caption class="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                {mayManage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.id}>
                  <th scope="row">
                    {user.email}
                    {user.id === me.id && <span class="muted"> (you)</span>}
                  </th>
                  <td>
                    {mayManage ? (
                      <select
                        aria-label={`Role of ${user.email}`}
                        value={user.role}
                        disabled={action.pending}
                        onChange={(event) => changeRole(user, event.currentTarget.value as Role)}
                      >
                        {ROLES.map((role) => (
                          <option key={role} value={role}>
                            {ROLE_LABELS[role]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      ROLE_LABELS[user.role] ?? user.role
                    )}
                  </td>
                  <td>
                    <Time iso={user.created_at} />
                  </td>
                  {mayManage && (
                    <td class="row-actions">
                      <button type="button" disabled={action.pending} onClick={() => setResetting(user)}>
                        Reset password<span class="visually-hidden"> of {user.email}</span>
                      </button>
                      <button type="button" class="danger" disabled={action.pending || user.id === me.id} onClick={() => setDeleting(user)}>
                        Delete<span class="visually-hidden"> {user.email}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {mayManage && <CreateUser onCreated={(email, password) => {
        void users.reload(true);
        if (password) setSecret({ email, password });
      }} />}
      {secret && (
        <SecretDialog
          title={`Password of ${secret.email}`}
          explanation={`Give this password to ${secret.email}; they sign in with it.`}
          secret={secret.password}
          label={`password of ${secret.email}`}
          onClose={() => setSecret(null)}
        />
      )}
      {resetting && (
        <ConfirmDialog title={`Reset the password of ${resetting.email}?`} confirmLabel="Reset password" onConfirm={() => resetPassword(resetting)} onCancel={() => setResetting(null)}>
          <p>A new password is generated and shown once; the user's sessions end.</p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog title={`Delete ${deleting.email}?`} confirmLabel="Delete user" danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>The user can no longer sign in. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}

function CreateUser({ onCreated }: { onCreated: (email: string, password: string | undefined) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [password, setPassword] = useState('');
  const action = useAction();

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { email: email.trim(), role };
    if (password) body.password = password;
    const result = await action.run(() => post<{ user: User; password?: string }>('/users', body), (answer) => `${answer.user.email} created.`);
    if (result) {
      setEmail('');
      setPassword('');
      onCreated(result.user.email, result.password);
    }
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Add a user</h2>
      <ErrorNotice error={action.error} />
      <div class="form-grid">
        <Field id="user-email" label="Email" error={fieldError(action.error, 'email')}>
          <input id="user-email" type="email" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        </Field>
        <Field id="user-role" label="Role" error={fieldError(action.error, 'role')}>
          <select id="user-role" value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {ROLE_LABELS[option]}
              </option>
            ))}
          </select>
        </Field>
        <Field id="user-password" label="Password (empty: generate one)" error={fieldError(action.error, 'password')}>
          <input id="user-password" type="password" autoComplete="new-password" value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={action.pending || !email.trim()}>
        {action.pending ? 'Adding…' : 'Add user'}
      </button>
      <LiveMessage>{action.message}</LiveMessage>
    </form>
  );
}
