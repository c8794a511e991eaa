import { Page } from '../components/Page';
import { Link } from '../router';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <Link href="/">Go to the overview</Link>.
      </p>
    </Page>
  );
}
