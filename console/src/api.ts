// The one place that talks to /api/v1: session cookie, CSRF header, error shapes, types.

export type Role = 'superadmin' | 'admin' | 'user' | 'auditor';

export interface User {
  id: number;
  email: string;
  role: Role;
  created_at?: string;
}

export interface Session {
  user: User;
  csrf_token: string;
  expires_at: string;
}

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }

  get forbidden(): boolean {
    return this.status === 403;
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

let csrfToken = '';
let unauthorizedListener: (() => void) | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called on any 401 after login, so the app can return to the login page. */
export function onUnauthorized(listener: () => void): void {
  unauthorizedListener = listener;
}

export const API_BASE = '/api/v1';

export function apiUrl(path: string, query?: Record<string, string | number | undefined | null>): string {
  let url = path.startsWith('/api/') ? path : API_BASE + path;
  if (query) {
    const parameters = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') parameters.set(key, String(value));
    }
    const text = parameters.toString();
    if (text) url += (url.includes('?') ? '&' : '?') + text;
  }
  return url;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = 'http_' + response.status;
  let message = response.statusText || 'request failed';
  let fieldErrors: FieldError[] = [];
  try {
    const body = await response.json();
    if (body && typeof body === 'object') {
      if (typeof body.error === 'string') code = body.error;
      if (typeof body.message === 'string' && body.message) message = body.message;
      if (Array.isArray(body.errors)) fieldErrors = body.errors;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all there is.
  }
  if (response.status === 403 && code === 'forbidden' && !message) message = 'super admin permission is needed';
  const retryAfter = response.headers.get('Retry-After');
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  return new ApiError(response.status, code, message, fieldErrors, seconds);
}

interface RequestOptions {
  body?: unknown;
  /** The login request answers 401 for a wrong password: that is no expired session. */
  ignoreUnauthorized?: boolean;
  signal?: AbortSignal;
  csrfRetried?: boolean;
}

async function send(method: string, path: string, options: RequestOptions, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'network', 'outpost did not answer (network error); try again');
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.ignoreUnauthorized) unauthorizedListener?.();
    // The token may be stale (the session was renewed in another tab): fetch the current one
    // and try once more before showing the refusal.
    if (error.code === 'csrf' && !options.csrfRetried && (await refreshCsrfToken())) {
      return send(method, path, { ...options, csrfRetried: true }, accept);
    }
    throw error;
  }
  return response;
}

async function refreshCsrfToken(): Promise<boolean> {
  try {
    const response = await fetch(apiUrl('/session'), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) return false;
    const session = (await response.json()) as Session;
    if (!session.csrf_token || session.csrf_token === csrfToken) return false;
    csrfToken = session.csrf_token;
    return true;
  } catch {
    return false;
  }
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options, 'application/json');
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    // An HTML page where JSON was expected: a proxy or a server without this endpoint.
    throw new ApiError(response.status, 'invalid_response', `unexpected answer from ${path} (not JSON)`);
  }
}

export async function apiText(path: string): Promise<string> {
  const response = await send('GET', path, {}, 'text/plain');
  return response.text();
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, { signal });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body });
export const put = <T>(path: string, body?: unknown) => api<T>('PUT', path, { body });
export const patch = <T>(path: string, body?: unknown) => api<T>('PATCH', path, { body });
export const del = <T>(path: string) => api<T>('DELETE', path);

// ---- Shapes (docs/openapi.yaml and the console contract) ----

export type ProcessingStatus = 'queued' | 'processing' | 'processed' | 'failure' | 'cancelled';
export type DeliveryStatus = 'unknown' | 'delivered' | 'failed';
export type CheckStatus = 'ok' | 'warning' | 'missing' | 'error';

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface MessageSummary {
  id: string;
  message_id: string;
  created_at: string;
  from: string;
  mail_from: string;
  to: string[];
  subject: string;
  processing_status: ProcessingStatus;
  delivery_status: DeliveryStatus;
  status: string;
  server: string;
  has_warning: boolean;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string;
  waiting_reason: string;
  size_bytes: number;
  api_key_name: string;
}

export interface Recipient {
  address: string;
  field: string;
  processing_status: ProcessingStatus;
  delivery_status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string;
  waiting_reason: string;
}

export interface Attempt {
  number: number;
  recipient: string;
  at: string;
  duration_ms: number;
  node: string;
  server: string;
  port: number;
  ip: string;
  tls_version: string;
  tls_cipher: string;
  code: number;
  enhanced_code: string;
  text: string;
  remote_queue_id: string;
  description: string;
  hint: string;
  transcript_url: string;
}

export interface MessageEvent {
  at: string;
  type: string;
  recipient: string;
  detail: string;
}

export interface DeliveryReport {
  id: number;
  recipient: string;
  received_at: string;
  kind: string;
  action: string;
  status: string;
  reason: string;
  hard_bounce: boolean;
  diagnostic_code: string;
  remote_mta: string;
  reporting_mta: string;
  raw_url: string;
}

export interface MessageDetail extends Omit<MessageSummary, 'attempts'> {
  tags: string[];
  metadata: Record<string, unknown>;
  recipients: Recipient[];
  attempts: Attempt[];
  events: MessageEvent[];
  reports: DeliveryReport[];
}

export interface MessageContent {
  headers: { name: string; value: string }[];
  text: string | null;
  html: boolean;
  attachments: { filename: string; content_type: string; size: number }[];
}

export type TlsMode = 'starttls' | 'starttls-opportunistic' | 'tls' | 'none';
export const TLS_MODES: TlsMode[] = ['starttls', 'starttls-opportunistic', 'tls', 'none'];

export interface RelaySettings {
  configured?: boolean;
  host: string;
  port: number;
  tls: TlsMode;
  verify_certificate: boolean;
  username: string;
  has_password?: boolean;
  helo_name: string;
  ca_file: string;
}

export interface NamedRelay extends RelaySettings {
  name: string;
  fallback: string;
  max_connections: number;
}

export interface ValidationReport {
  ok: boolean;
  verdict: string;
  steps: { name: string; status: 'ok' | 'warning' | 'error' | 'skipped'; detail: string }[];
  transcript: string;
  server?: {
    host: string;
    port: number;
    ip: string;
    tls_version: string;
    tls_cipher: string;
    extensions: string[];
    certificate?: { subject: string; issuer: string; not_before: string; not_after: string; verify_error: string };
  };
}

export interface Accepted {
  id: string;
  message_id: string;
  recipients: { address: string }[];
}

export interface Routing {
  default: string | null;
  domains: Record<string, string>;
  sender_domains: Record<string, string>;
  tls: Record<string, string>;
  limits: Record<string, { connections?: number; messages_per_minute?: number }>;
  source?: 'api' | 'config';
  effective_default?: string;
}

export interface Suppression {
  address: string;
  reason: string;
  source: 'bounce' | 'manual';
  message_id: string;
  created_at: string;
}

export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'note' | 'info';
  message: string;
}

export interface ChecklistItem {
  check: 'smtp' | 'spf' | 'dkim' | 'dmarc';
  status: CheckStatus;
  reason: string;
  next_step: string;
  temporary: boolean;
  /** DKIM only: the domain signs while SPF fails; SPF comes first. */
  spf_first?: boolean;
}

export interface DkimRecord {
  name: string;
  type: 'TXT';
  value: string;
  strings: string[];
  zone_file: string;
}

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: string;
  key_bits: number;
  state: 'pending' | 'active' | 'retired';
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  validated_at: string | null;
  last_validation: string | null;
  record: DkimRecord;
}

export interface DkimKeyCheck {
  selector: string;
  algorithm: string;
  state_before: string;
  state: string;
  activated: boolean;
  status: 'ok' | 'missing' | 'problem';
  valid: boolean;
  temporary: boolean;
  summary: string;
  findings: Finding[];
  records_found: string[];
  ttl: number | null;
  record: DkimRecord;
  store_error?: string;
}

export interface DkimValidation {
  domain: string;
  ok: boolean;
  keys: DkimKeyCheck[];
}

export interface DkimVerdict {
  domain: string | null;
  selector: string | null;
  algorithm: string | null;
  result: string;
  code: string;
  reason: string;
  key_name: string;
  key_record: string;
  key_testing: boolean;
}

export interface DkimTestReport {
  domain: string;
  result: string;
  note: string;
  keys: { selector: string; algorithm: string; state: string }[];
  signature_headers: string[];
  verdicts: DkimVerdict[];
  message: string;
}

export interface CheckHostResult {
  result: string;
  explanation: string;
  reason: string;
  code: string;
  mechanism: string;
  mechanism_domain: string;
  record: string;
  dns_terms: number;
  void_lookups: number;
  lookups: { type: string; name: string; outcome: string; depth: number; void: boolean }[];
}

export interface SpfTestResult extends CheckHostResult {
  ip: string;
  helo: string;
  sender: string;
  domain: string;
}

export interface SpfRecommendation {
  record: string;
  strings: string[];
  zone_file: string;
  kept: string[];
  added: string[];
  removed: string[];
  dns_terms: number;
  changed: boolean;
  notes: string[];
}

export interface SpfDomainResult {
  domain: string;
  sending: boolean;
  mail_from: boolean;
  pass: boolean;
  analysis: {
    domain: string;
    records: string[];
    record: string | null;
    syntax_error: string;
    dns_error: string;
    dns_terms: number;
    void_lookups: number;
    tree: { domain: string; via: string; depth: number; record: string; problem: string; dns_terms: number }[];
    findings: Finding[];
  };
  results: { path: string; address: string; check: CheckHostResult }[];
  recommendation: SpfRecommendation;
}

export interface SpfValidation {
  domain: string;
  mail_from_domain: string;
  status: CheckStatus;
  reason: string;
  next_step: string;
  notes: string[];
  paths: { kind: string; relay: string | null; label: string; host: string; addresses: string[]; error: string; note: string }[];
  domains: SpfDomainResult[];
}

export interface DmarcAlignment {
  domain: string | null;
  relaxed: boolean;
  strict: boolean;
  required_mode: string;
  aligned: boolean;
  sentence: string;
}

export interface DmarcReport {
  domain: string;
  status: CheckStatus;
  reason: string;
  next_step: string;
  temporary: boolean;
  valid: boolean;
  policy: {
    found: boolean;
    applies: boolean;
    name: string | null;
    location: string | null;
    organizational_domain: string | null;
    records_found: string[];
    record: string | null;
    tags: Record<string, unknown> | null;
    errors: { tag: string; message: string }[];
    error: { code: string; message: string; temporary: boolean } | null;
  };
  setup: {
    from_domain: string;
    dkim_domain: string | null;
    dkim_source: string;
    mail_from_domain: string;
    mail_from_source: string;
  };
  alignment: { dkim: DmarcAlignment; spf: DmarcAlignment; aligned: boolean };
  recommendation: {
    name: string;
    record: string;
    change: boolean;
    steps: { step: string; record: string | null; condition: string }[];
    findings: Finding[];
  };
  store_error: string | null;
}

export interface DomainChecklist {
  domain: string;
  status: CheckStatus;
  sources: string[];
  checks: ChecklistItem[];
  smtp: { route: string; automatic: boolean; relay: string | null; tls: string | null };
  spf?: SpfValidation;
  dkim?: { keys: DkimKeyCheck[] };
  dmarc?: DmarcReport;
}

export interface Deliverability {
  checked_at: number;
  domains: DomainChecklist[];
}

export interface VolumeBucket {
  at: string;
  accepted: number;
  processed: number;
  delivered: number;
  failed: number;
  deferred: number;
}

export interface ApiKey {
  id: number;
  name: string;
  user_id: number;
  user_email: string;
  scope: 'send' | 'full';
  domains: string[];
  prefix: string;
  created_at: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export interface Pauses {
  all: boolean;
  destinations: string[];
}
