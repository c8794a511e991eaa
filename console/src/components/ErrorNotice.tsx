import type { ApiError } from '../api';

const FORBIDDEN_TEXT = 'super admin permission is needed';

/** An API error as the server worded it, with its field errors. */
export function ErrorNotice({ error, title }: { error: ApiError | null; title?: string }) {
  if (!error) return null;
  // A CSRF refusal is also a 403, but no question of role.
  const roleRefusal = error.forbidden && error.code !== 'csrf';
  const message = roleRefusal ? error.message || FORBIDDEN_TEXT : error.message;
  return (
    <div class="notice notice-error" role="alert">
      <p>
        <strong>{title ?? (roleRefusal ? 'Not allowed: ' : 'Error: ')}</strong>
        {roleRefusal && !/permission/i.test(message) ? `${FORBIDDEN_TEXT} (${message})` : message}
      </p>
      {error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((fieldError) => (
            <li key={fieldError.field + fieldError.message}>
              <code>{fieldError.field}</code>: {fieldError.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The field error for one input, if any. */
export function fieldError(error: ApiError | null, field: string): string | undefined {
  return error?.fieldErrors.find((item) => item.field === field)?.message;
}
