/** Matches "/messages/:id" against a path; returns the decoded parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = path.replace(/\/+$/, '').split('/').filter(Boolean);
  if (patternParts.length !== pathParts.length) return null;
  const parameters: Record<string, string> = {};
  for (let index = 0; index < patternParts.length; index++) {
    const expected = patternParts[index];
    const actual = pathParts[index];
    if (expected.startsWith(':')) {
      try {
        parameters[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        // A malformed escape ("%E0%A4%A") is no page of ours.
        return null;
      }
    } else if (expected !== actual) {
      return null;
    }
  }
  return parameters;
}
