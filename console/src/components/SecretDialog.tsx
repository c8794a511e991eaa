import { CopyText } from './CopyText';
import { Dialog } from './Dialog';

/** A generated secret (an API key, a password), shown this once. */
export function SecretDialog(props: { title: string; explanation: string; secret: string; label: string; onClose: () => void }) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <div class="dialog-body">
        <p>{props.explanation}</p>
        <p>
          <strong>It is shown only this once.</strong> Copy it now.
        </p>
        <CopyText value={props.secret} label={props.label} />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Done, I copied it
        </button>
      </div>
    </Dialog>
  );
}
