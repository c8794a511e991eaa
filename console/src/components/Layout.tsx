import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Role } from '../api';
import { can, ROLE_LABELS } from '../lib/permissions';
import { useSession } from '../lib/session';
import { Link, useLocation } from '../router';
import { PasswordDialog } from './PasswordDialog';

interface NavItem {
  href: string;
  label: string;
  visible: (role: Role) => boolean;
}

const everyone = () => true;

const NAV_GROUPS: { label: string; items: NavItem[] }[] = [
  {
    label: 'Mail',
    items: [
      { href: '/', label: 'Overview', visible: everyone },
      { href: '/sent', label: 'Sent emails', visible: everyone },
      { href: '/outbox', label: 'Outbox', visible: everyone },
      { href: '/failed', label: 'Failed', visible: everyone },
    ],
  },
  {
    label: 'Settings',
    items: [
      { href: '/settings/smtp', label: 'SMTP', visible: can.manageSettings },
      { href: '/domains', label: 'Domains (SPF, DKIM, DMARC)', visible: can.manageSettings },
      { href: '/relays', label: 'Relays and routes', visible: can.manageSettings },
      { href: '/suppressions', label: 'Suppressions', visible: can.readSuppressions },
    ],
  },
  {
    label: 'Access',
    items: [
      { href: '/users', label: 'Users', visible: can.readUsers },
      { href: '/apikeys', label: 'API keys', visible: everyone },
      { href: '/audit', label: 'Audit log', visible: can.readAudit },
    ],
  },
];

function isCurrent(href: string, path: string): boolean {
  if (href === '/') return path === '/';
  if (href === '/sent') return path === '/sent' || path.startsWith('/messages/');
  return path === href || path.startsWith(href + '/');
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { user, logout } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [changingPassword, setChangingPassword] = useState(false);

  // Following a link on a phone closes the menu, as the page behind it changes.
  useEffect(() => setMenuOpen(false), [path]);

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <Link href="/" class="brand">
          outpost
        </Link>
        <div class="account">
          <span class="account-name">
            {user.email} <span class="muted">({ROLE_LABELS[user.role] ?? user.role})</span>
          </span>
          <button type="button" onClick={() => setChangingPassword(true)}>
            Password
          </button>
          <button type="button" onClick={logout}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="sidebar" class={'sidebar' + (menuOpen ? ' open' : '')} aria-label="Main">
        {NAV_GROUPS.map((group) => {
          const items = group.items.filter((item) => item.visible(user.role));
          if (items.length === 0) return null;
          return (
            <div class="nav-group" key={group.label}>
              <h2 class="nav-heading">{group.label}</h2>
              <ul>
                {items.map((item) => (
                  <li key={item.href}>
                    <Link href={item.href} aria-current={isCurrent(item.href, path) ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      {changingPassword && <PasswordDialog onClose={() => setChangingPassword(false)} />}
    </div>
  );
}
