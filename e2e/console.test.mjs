// End-to-end tests of the outpost console in Debian's chromium (playwright-core, axe-core).
// test_console.py starts outpost and its peers and passes their addresses in $E2E_CONFIG.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const config = JSON.parse(readFileSync(process.env.E2E_CONFIG, 'utf8'));
const URL_BASE = config.url;
const WAIT = 30_000; // the longest any single wait may take

let browser;
const problems = []; // page errors seen in any page: reported by the test that owns the page

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

// --- helpers ---------------------------------------------------------------------------------

/** A fresh browser context (own cookies) and page; any JavaScript dialog fails the test. */
async function open(t, { width = 1280, height = 900, colorScheme = 'light', bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, bypassCSP });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  t.after(async () => {
    await context.close();
    assert.deepEqual(dialogs, [], 'a JavaScript dialog appeared');
  });
  return { context, page, dialogs, errors };
}

async function apiLogin(context, role) {
  const { email, password } = config.users[role];
  const response = await context.request.post(`${URL_BASE}/api/v1/session`, { data: { email, password } });
  assert.equal(response.status(), 200, `login of ${role}: ${await response.text()}`);
  return response.json();
}

/** The HTTP API with the superadmin's key, from Node (not the browser). */
async function api(method, path, body) {
  const response = await fetch(`${URL_BASE}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${config.api_key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

async function apiOk(method, path, body, expected = [200, 201, 204]) {
  const answer = await api(method, path, body);
  assert.ok(expected.includes(answer.status), `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A request from inside the page: same origin, the session cookie goes along. */
function pageFetch(page, method, path, { body, csrf } = {}) {
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const headers = { 'Content-Type': 'application/json' };
      if (csrf) headers['X-CSRF-Token'] = csrf;
      const response = await fetch(path, { method, credentials: 'include', headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, body: json };
    },
    { method, path, body, csrf },
  );
}

function setRelay(name) {
  const relay = config.relays[name];
  return apiOk('PUT', '/settings/smtp', {
    host: relay.host,
    port: relay.port,
    tls: 'none',
    verify_certificate: true,
    username: relay.username ?? '',
    ...(relay.password ? { password: relay.password } : {}),
  });
}

function unique(prefix) {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

async function send(subject, extra = {}) {
  return apiOk('POST', '/messages', {
    from: `Shop <shop@${config.zone}>`,
    to: ['customer@example.org'],
    subject,
    text: `Hello,\nthis is ${subject}.\n`,
    ...extra,
  });
}

/** Waits until the locator's text matches; on timeout says what the text was. */
async function waitText(locator, pattern, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => '')) ?? '';
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out after ${timeout} ms waiting for ${pattern} in: ${JSON.stringify(text)}`);
}

/** Runs body; when it fails, the message as the API sees it is added to the error. */
async function withMessageOnFailure(id, body) {
  try {
    await body();
  } catch (error) {
    const detail = await api('GET', `/messages/${encodeURIComponent(id)}`);
    console.error(`the message ${id} now: ${JSON.stringify(detail.body).slice(0, 6000)}`);
    throw error;
  }
}

const heading = (page, name) => page.getByRole('heading', { level: 1, name });
const mainNav = (page) => page.getByRole('navigation', { name: 'Main' });

async function navLinks(page) {
  return (await mainNav(page).getByRole('link').allTextContents()).map((text) => text.trim());
}

// --- 1. roles -------------------------------------------------------------------------------

const NAV_BY_ROLE = {
  superadmin: ['Overview', 'Sent emails', 'Outbox', 'Failed', 'SMTP', 'Domains (SPF, DKIM, DMARC)', 'Relays and routes', 'Suppressions', 'Users', 'API keys', 'Audit log'],
  admin: ['Overview', 'Sent emails', 'Outbox', 'Failed', 'Suppressions', 'API keys'],
  user: ['Overview', 'Sent emails', 'Outbox', 'Failed', 'API keys'],
  auditor: ['Overview', 'Sent emails', 'Outbox', 'Failed', 'Suppressions', 'Users', 'API keys', 'Audit log'],
};
const ROLE_LABELS = { superadmin: 'Super admin', admin: 'Admin', user: 'User', auditor: 'Auditor' };

test('each role signs in through the login form and the sidebar offers only what that role may open', async (t) => {
  for (const role of ['superadmin', 'admin', 'user', 'auditor']) {
    await t.test(role, async (t) => {
      const { page, errors } = await open(t);
      const { email, password } = config.users[role];
      await page.goto(`${URL_BASE}/`);
      await page.waitForURL(/\/login$/);
      await heading(page, 'Sign in to outpost').waitFor();
      if (role === 'admin') {
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('not-the-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        assert.match(await alert.textContent(), /Could not sign in: wrong email or password/);
        assert.match(page.url(), /\/login$/);
      }
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Overview').waitFor();
      assert.equal(new URL(page.url()).pathname, '/');
      assert.deepEqual(await navLinks(page), NAV_BY_ROLE[role]);
      assert.match(await page.locator('.account-name').textContent(), new RegExp(`${email}.*\\(${ROLE_LABELS[role]}\\)`));
      assert.deepEqual(errors, []);
    });
  }
});

test('a user opening the SMTP settings is told that super admin permission is needed, and the API answers 403', async (t) => {
  const { page, context } = await open(t);
  await apiLogin(context, 'user');
  await page.goto(`${URL_BASE}/settings/smtp`);
  await heading(page, 'SMTP relay').waitFor();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /super admin permission is needed/);
  const answer = await pageFetch(page, 'GET', '/api/v1/settings/smtp');
  assert.equal(answer.status, 403, JSON.stringify(answer));
  assert.equal(answer.body.error, 'forbidden');
  assert.match(answer.body.message, /super admin permission is needed/);
});

// --- 2. live updates and the message page -----------------------------------------------------

test('a message sent through the API appears in Sent emails without a reload, and its page shows recipients, attempts, headers and a preview', async (t) => {
  await setRelay('good');
  const { page, context } = await open(t);
  await apiLogin(context, 'superadmin');
  await page.goto(`${URL_BASE}/sent`);
  await heading(page, 'Sent emails').waitFor();
  await page.locator('table, p.empty').first().waitFor();
  let loads = 0;
  page.on('load', () => loads++);

  const subject = unique('Live order');
  const sent = await send(subject, { html: `<p>Hello from <b>${subject}</b></p>` });
  const link = page.getByRole('link', { name: subject });
  await link.waitFor({ timeout: WAIT });
  const row = page.getByRole('row').filter({ has: link });
  // Processed once the relay took it; the delivery status waits for a DSN.
  await row.getByText('Processed', { exact: true }).waitFor({ timeout: WAIT });
  assert.match(await row.textContent(), /Awaiting report/);
  assert.match(await row.textContent(), /customer@example\.org/);
  assert.equal(loads, 0, 'the list updated by itself, without a page load');

  await link.click();
  await heading(page, `Message: ${subject}`).waitFor();
  assert.equal(new URL(page.url()).pathname, `/messages/${encodeURIComponent(sent.id)}`);
  const recipients = page.getByRole('region', { name: 'Recipients table' });
  await recipients.getByRole('rowheader', { name: 'customer@example.org' }).waitFor();
  const attempt = page.getByRole('article', { name: /^Attempt 1 to customer@example\.org/ });
  await attempt.waitFor();
  assert.match(await attempt.textContent(), /250/);
  await page.getByText(/^Headers \(\d+\)$/).click();
  const headers = page.getByRole('region', { name: 'Headers table' });
  await headers.getByRole('rowheader', { name: 'Subject' }).first().waitFor();
  assert.match(await headers.textContent(), new RegExp(subject));
  const preview = page.locator('iframe.preview');
  await preview.waitFor();
  assert.equal(await preview.getAttribute('sandbox'), '');
  assert.equal(await preview.getAttribute('title'), `HTML preview of “${subject}”`);
  const frame = page.frameLocator('iframe.preview');
  await frame.locator('b').getByText(subject).waitFor();
});

// --- 3. Outbox and Failed ---------------------------------------------------------------------

test('a deferred message waits in the Outbox with its last error, an AUTH refusal points to the SMTP settings, and a permanent refusal moves it to Failed with the description', async (t) => {
  t.after(() => setRelay('good'));
  await setRelay('deferring');
  const { page, context } = await open(t);
  await apiLogin(context, 'superadmin');
  const subject = unique('Deferred invoice');
  const sent = await send(subject);
  await withMessageOnFailure(sent.id, async () => {
    await page.goto(`${URL_BASE}/outbox`);
    await heading(page, 'Outbox').waitFor();
    const link = page.getByRole('link', { name: subject });
    await link.waitFor();
    const row = page.getByRole('row').filter({ has: link });
    await row.getByText('Deferred', { exact: true }).waitFor({ timeout: WAIT });
    // last_error is the peer's reply text (the code is on the attempt, see the message page).
    await waitText(row, /Mailbox busy, try again later/);

    // The relay now refuses the login; "Retry now" sends at once. A refused login is our own
    // configuration, so outpost keeps the message queued (deferred) rather than failing it.
    await setRelay('refusing');
    await row.getByRole('button', { name: `Retry now “${subject}”` }).click();
    await page.getByRole('status').filter({ hasText: /Retrying 1 recipient/ }).waitFor();
    await waitText(row, /authentication failed/i);
    await link.click();
    await heading(page, `Message: ${subject}`).waitFor();
    const attempt = page.getByRole('article', { name: /^Attempt 2 to customer@example\.org/ });
    await waitText(attempt, /535 5\.7\.8/);
    assert.match(await attempt.textContent(), /Authentication failed: the user name or password was not accepted/);
    const fix = attempt.getByRole('link', { name: 'Check the SMTP login settings' });
    assert.equal(await fix.getAttribute('href'), '/settings/smtp');

    // A relay that refuses MAIL with a 5xx: the message fails for good.
    await setRelay('unauthenticated');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Retrying 1 recipient/ }).waitFor();
    const attempt3 = page.getByRole('article', { name: /^Attempt 3 to customer@example\.org/ });
    await waitText(attempt3, /530 5\.7\.0/);

    await mainNav(page).getByRole('link', { name: 'Failed' }).click();
    await heading(page, 'Failed').waitFor();
    const failedLink = page.getByRole('link', { name: subject });
    await failedLink.waitFor({ timeout: WAIT });
    const failedRow = page.getByRole('row').filter({ has: failedLink });
    await failedRow.getByText('Failure', { exact: true }).waitFor({ timeout: WAIT });
    const error = failedRow.locator('td.error-text');
    assert.match(await error.textContent(), /Authentication required/);
    const failedFix = failedRow.getByRole('link', { name: 'Check the SMTP login settings' });
    assert.equal(await failedFix.getAttribute('href'), '/settings/smtp');
    await failedFix.click();
    await heading(page, 'SMTP relay').waitFor();
  });
});

// --- 4. SMTP settings -------------------------------------------------------------------------

test('the SMTP page saves the relay settings and Validate shows the transcript and a success verdict', async (t) => {
  t.after(() => setRelay('good'));
  await apiOk('PUT', '/settings/smtp', { host: 'smtp.invalid.test', port: 2500, tls: 'starttls', verify_certificate: true, username: '' });
  const relay = config.relays.good;
  const { page, context } = await open(t);
  await apiLogin(context, 'superadmin');
  await page.goto(`${URL_BASE}/settings/smtp`);
  await heading(page, 'SMTP relay').waitFor();
  const form = page.getByRole('form', { name: 'Connection' });
  await form.getByLabel('Host', { exact: true }).fill(relay.host);
  await form.getByLabel('Port').fill(String(relay.port));
  await form.getByLabel('TLS mode').selectOption('none');
  await form.getByLabel('Username').fill(relay.username);
  await form.getByLabel(/^Password/).fill(relay.password);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const saved = await apiOk('GET', '/settings/smtp');
  assert.equal(saved.host, relay.host);
  assert.equal(saved.port, relay.port);
  assert.equal(saved.tls, 'none');
  assert.equal(saved.username, relay.username);
  assert.equal(saved.has_password, true);

  await form.getByRole('button', { name: 'Validate' }).click();
  const verdict = page.locator('.validation .notice');
  await verdict.waitFor({ timeout: WAIT });
  assert.match(await verdict.textContent(), /^Valid: /, await verdict.textContent());
  const transcript = page.getByLabel('SMTP transcript');
  const text = await transcript.textContent();
  assert.match(text, /EHLO/);
  assert.match(text, /AUTH/);
  assert.ok(!text.includes(relay.password), 'the transcript shows the relay password');
  const steps = page.getByRole('table', { name: 'Validation steps' });
  await steps.getByRole('rowheader', { name: /auth/i }).waitFor();
});

// --- 5. DKIM ----------------------------------------------------------------------------------

test('the DKIM page generates a key, shows its TXT record, and Validate finds the published record matching', async (t) => {
  const { page, context } = await open(t);
  await apiLogin(context, 'superadmin');
  const domain = config.zone;
  const selector = `e2e${Date.now().toString(36)}`;
  await page.goto(`${URL_BASE}/domains/${domain}/dkim`);
  await heading(page, `DKIM of ${domain}`).waitFor();
  const generate = page.getByRole('form', { name: 'Generate a key' });
  await generate.getByLabel('Algorithm').selectOption('ed25519');
  await generate.getByLabel(/^Selector/).fill(selector);
  await generate.getByRole('button', { name: 'Generate' }).click();
  const card = page.getByRole('article', { name: `Key ${selector}` });
  await card.waitFor();
  assert.match(await card.locator('h3').textContent(), /pending/);
  const recordName = `${selector}._domainkey.${domain}`;
  const record = card.getByLabel(`DKIM record ${recordName}`);
  const value = (await record.textContent()).trim();
  assert.match(value, /^v=DKIM1; *k=ed25519; *p=[A-Za-z0-9+/=]+$/);

  // Publish it, as the operator would at their DNS provider (Python updates the Knot zone).
  const published = await fetch(config.publish_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: recordName, value }),
    signal: AbortSignal.timeout(WAIT),
  });
  assert.equal(published.status, 200, await published.text());

  await page.getByRole('button', { name: 'Validate', exact: true }).click();
  const panel = page.getByRole('region', { name: /^Validation/ });
  await panel.waitFor();
  const check = panel.locator('.card').filter({ has: page.getByRole('heading', { name: new RegExp(`^${selector}`) }) });
  await check.waitFor();
  assert.match(await panel.locator('h2').textContent(), /valid/);
  assert.doesNotMatch(await panel.locator('h2').textContent(), /not valid/);
  const publicKey = value.match(/p=([A-Za-z0-9+/=]+)/)[1];
  assert.ok((await check.textContent()).replace(/\s+/g, '').includes(publicKey), 'the record found carries the key shown');
  await card.locator('h3').getByText('active', { exact: true }).waitFor();
});

// --- 6. XSS -----------------------------------------------------------------------------------

const XSS_SCRIPT = '<script>window.__xss=1</script>';
const XSS_IMG = '<img src=x onerror="window.__xss=1">';

test('markup in the subject, sender name and HTML body shows as text and never runs, in the list, the message page and the preview', async (t) => {
  const { page, context, errors } = await open(t);
  await apiLogin(context, 'superadmin');
  const subject = `${XSS_SCRIPT} ${XSS_IMG} ${Date.now().toString(36)}`;
  const sent = await send(subject, {
    from: `"${XSS_IMG}" <xss@${config.zone}>`,
    html: `<p>body ${XSS_SCRIPT}${XSS_IMG}<svg onload="window.__xss=1"></svg><a href="javascript:window.__xss=1">x</a></p>`,
  });
  await page.goto(`${URL_BASE}/sent`);
  await heading(page, 'Sent emails').waitFor();
  const link = page.getByRole('link', { name: subject });
  await link.waitFor();
  const row = page.getByRole('row').filter({ has: link });
  assert.match(await row.textContent(), /<img src=x onerror="window\.__xss=1">/);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  await link.click();
  await heading(page, `Message: ${subject}`).waitFor();
  await page.locator('iframe.preview').waitFor();
  await page.getByText(/^Headers \(\d+\)$/).click();
  await page.waitForTimeout(500); // time for an injected handler to fire, if one were there
  const main = page.locator('main');
  assert.ok((await main.textContent()).includes(XSS_SCRIPT), 'the subject shows as text');
  assert.equal(await page.locator('main img').count(), 0, 'no <img> was made from the message');
  assert.equal(await page.locator('main script').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // The preview: the HTML is there, in a sandbox without scripts.
  const frameElement = await page.locator('iframe.preview').elementHandle();
  const frame = await frameElement.contentFrame();
  await frame.waitForLoadState();
  await frame.waitForSelector('p');
  const inFrame = await frame.evaluate(() => ({ xss: window.__xss, text: document.body.textContent }));
  assert.equal(inFrame.xss, undefined);
  assert.match(inFrame.text, /body/);
  const preview = await page.request.get(`${URL_BASE}/api/v1/messages/${encodeURIComponent(sent.id)}/preview`);
  assert.equal(preview.status(), 200);
  const csp = preview.headers()['content-security-policy'] ?? '';
  assert.match(csp, /sandbox/);
  assert.match(csp, /default-src 'none'/);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
});

// --- 7. CSRF ----------------------------------------------------------------------------------

test('a cookie-authenticated POST without the CSRF token is refused with 403 csrf, and a form posted from another site creates nothing', async (t) => {
  const { page, context } = await open(t);
  const session = await apiLogin(context, 'superadmin');
  await page.goto(`${URL_BASE}/`);
  await heading(page, 'Overview').waitFor();

  const withoutToken = await pageFetch(page, 'POST', '/api/v1/users', { body: { email: 'csrf-fetch@e2e.test', role: 'superadmin' } });
  assert.equal(withoutToken.status, 403, JSON.stringify(withoutToken));
  assert.equal(withoutToken.body.error, 'csrf');
  const wrongToken = await pageFetch(page, 'POST', '/api/v1/users', { body: { email: 'csrf-fetch@e2e.test', role: 'superadmin' }, csrf: 'x' + session.csrf_token });
  assert.equal(wrongToken.status, 403, JSON.stringify(wrongToken));
  assert.equal(wrongToken.body.error, 'csrf');
  const deleteWithout = await pageFetch(page, 'DELETE', '/api/v1/session');
  assert.equal(deleteWithout.status, 403, JSON.stringify(deleteWithout));

  // Another site (127.0.0.2 is not the same site as 127.0.0.1) posts a form to the console.
  const evil = 'csrf-form@e2e.test';
  const fields = `{"email":"${evil}","role":"superadmin","password":"attacker-password-1","x":"`;
  // "/" posts a JSON-looking text/plain body to /users; "/key" an urlencoded form to /apikeys.
  const attacker = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    const form =
      request.url === '/key'
        ? `<form id="f" method="POST" action="${URL_BASE}/api/v1/apikeys"><input name="name" value="csrf-key"><input name="scope" value="full"></form>`
        : `<form id="f" method="POST" enctype="text/plain" action="${URL_BASE}/api/v1/users"><input name='${fields}' value='"}'></form>`;
    response.end(`<!doctype html><title>win a prize</title>${form}<script>document.getElementById('f').submit();</script>`);
  });
  await new Promise((resolve) => attacker.listen(0, '127.0.0.2', resolve));
  t.after(() => new Promise((resolve) => attacker.close(resolve)));
  const attackerUrl = `http://127.0.0.2:${attacker.address().port}/`;
  const attackPage = await context.newPage();
  const posted = attackPage.waitForResponse((response) => response.url().startsWith(`${URL_BASE}/api/v1/users`), { timeout: WAIT });
  await attackPage.goto(attackerUrl);
  const answer = await posted;
  assert.ok([401, 403].includes(answer.status()), `the cross-site form got ${answer.status()}`);
  // The urlencoded form too.
  const second = attackPage.waitForResponse((response) => response.url().startsWith(`${URL_BASE}/api/v1/apikeys`), { timeout: WAIT });
  await attackPage.goto(`${attackerUrl}key`);
  const secondStatus = (await second).status();
  assert.ok([400, 401, 403, 415].includes(secondStatus), `the cross-site key form got ${secondStatus}`);
  t.diagnostic(`cross-site text/plain form to /users: ${answer.status()}; urlencoded form to /apikeys: ${secondStatus}`);

  const users = await apiOk('GET', '/users');
  assert.deepEqual(users.items.filter((user) => user.email.startsWith('csrf-')), []);
  const keys = await apiOk('GET', '/apikeys');
  assert.deepEqual(keys.items.filter((key) => key.name === 'csrf-key'), []);
  // The console session is still good: it was not logged out by the attempts.
  assert.equal((await pageFetch(page, 'GET', '/api/v1/session')).status, 200);
});

// --- 8. accessibility and screenshots ---------------------------------------------------------

/** Views wider than the window (the page scrolls sideways), with the elements that stick out. */
const overflowing = [];

async function sidewaysOverflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= width + 1) return null;
    // The outermost elements that end past the right edge (not their children), where the overflow starts.
    const culprits = [];
    for (const element of document.querySelectorAll('body *')) {
      const box = element.getBoundingClientRect();
      if (box.right <= width + 1 || box.width === 0) continue;
      if (culprits.some((outer) => outer.contains(element))) continue;
      // Content clipped by a scrolling ancestor (a table in its scroll region) does not widen the
      // page, unless it is positioned against a box outside that ancestor (position: absolute
      // escapes an overflow box that is not itself positioned).
      let clipped = false;
      let positionedBelowClipper = false;
      const absolute = getComputedStyle(element).position === 'absolute';
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (style.overflowX !== 'visible') {
          clipped = !absolute || positionedBelowClipper || style.position !== 'static';
          break;
        }
        if (style.position !== 'static') positionedBelowClipper = true;
      }
      if (clipped) continue;
      culprits.push(element);
    }
    const describe = (element) =>
      element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + (element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\s+/).join('.') : '');
    return { width, scrollWidth, culprits: culprits.slice(0, 4).map((element) => `${describe(element)} (right edge ${Math.round(element.getBoundingClientRect().right)})`) };
  });
}

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
      }));
  });
}

test('every view has no serious or critical axe-core violation in light and dark, and is photographed at 1280 and 390 px', async (t) => {
  // Something in each list, and a message to open.
  const subject = unique('Accessibility sample');
  const sample = await send(subject, { html: `<p>Sample <b>${subject}</b></p>` });
  await apiOk('POST', '/suppressions', { address: 'bounced@example.org', reason: 'manual' }, [200, 201, 204, 409]);
  const domain = config.zone;
  const views = [
    ['overview', '/', 'Overview'],
    ['sent', '/sent', 'Sent emails'],
    ['message', `/messages/${encodeURIComponent(sample.id)}`, `Message: ${subject}`],
    ['outbox', '/outbox', 'Outbox'],
    ['failed', '/failed', 'Failed'],
    ['smtp', '/settings/smtp', 'SMTP relay'],
    ['domains', '/domains', 'Sending domains'],
    ['spf', `/domains/${domain}/spf`, `SPF of ${domain}`],
    ['dkim', `/domains/${domain}/dkim`, `DKIM of ${domain}`],
    ['dmarc', `/domains/${domain}/dmarc`, `DMARC of ${domain}`],
    ['users', '/users', 'Users'],
    ['apikeys', '/apikeys', 'API keys'],
    ['relays', '/relays', 'Relays and routes'],
    ['suppressions', '/suppressions', 'Suppressions'],
    ['audit', '/audit', 'Audit log'],
  ];
  mkdirSync(config.screenshots, { recursive: true });
  const failures = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      const { page, context } = await open(t, { width, height: width > 800 ? 900 : 844, colorScheme });
      // Login first, signed out.
      await page.goto(`${URL_BASE}/login`);
      await heading(page, 'Sign in to outpost').waitFor();
      await check(page, 'login', width, colorScheme);
      await apiLogin(context, 'superadmin');
      for (const [name, path, title] of views) {
        await page.goto(`${URL_BASE}${path}`);
        await heading(page, title).waitFor();
        // Views load their data after the heading: wait until no loading indicator is left.
        await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .loading'), null, { timeout: WAIT });
        await check(page, name, width, colorScheme);
      }
    }
  }
  assert.deepEqual(failures, [], JSON.stringify(failures, null, 2));

  async function check(page, name, width, colorScheme) {
    await page.screenshot({ path: `${config.screenshots}/${name}-${width}-${colorScheme}.png`, fullPage: true });
    if (colorScheme === 'light') {
      const overflow = await sidewaysOverflow(page);
      if (overflow) overflowing.push({ view: name, ...overflow });
    }
    if (width !== 1280) return; // axe once per view and scheme; the narrow layout is photographed
    const violations = await runAxe(page);
    if (violations.length) failures.push({ view: name, colorScheme, violations });
  }
});

test('no view scrolls sideways at 1280 or 390 px (tables scroll inside their own region)', () => {
  assert.deepEqual(overflowing, [], JSON.stringify(overflowing, null, 2));
});
