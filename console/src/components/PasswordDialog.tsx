import { useState } from 'preact/hooks';
import { put } from '../api';
import { Dialog } from './Dialog';
import { ErrorNotice, fieldError } from './ErrorNotice';
import { Field } from './Field';
import { useAction } from '../lib/useResource';

/** Changes the signed-in user's own password (PUT /session/password). */
export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const action = useAction();
  const [done, setDone] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await action.run(async () => {
      await put('/session/password', { current_password: current, new_password: next });
      return true;
    });
    if (result) setDone(true);
  };

  return (
    <Dialog title="Change your password" onClose={onClose}>
      {done ? (
        <>
          <p role="status">Your password is changed.</p>
          <div class="actions">
            <button type="button" class="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          <ErrorNotice error={action.error} />
          <Field id="password-current" label="Current password" error={fieldError(action.error, 'current_password')}>
            <input id="password-current" type="password" autoComplete="current-password" required value={current} onInput={(event) => setCurrent(event.currentTarget.value)} />
          </Field>
          <Field id="password-new" label="New password (at least 10 characters)" error={fieldError(action.error, 'new_password')}>
            <input id="password-new" type="password" autoComplete="new-password" required minLength={10} value={next} onInput={(event) => setNext(event.currentTarget.value)} />
          </Field>
          <div class="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={action.pending || next.length < 10 || !current}>
              Change password
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
