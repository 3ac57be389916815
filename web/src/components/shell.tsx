import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useLiveConnected } from '../live';
import { Link, navigate, useLocation } from '../router';
import { isAdmin, isGlobal, useSession } from '../session';
import { applyTheme, storedTheme, type Theme } from '../theme';

/** "g" then a letter goes to a page; "/" finds the page's search box; "?" lists the keys, Escape closes the list. */
const jumps: Record<string, string> = { o: '/', m: '/monitors', i: '/incidents', w: '/maintenance', c: '/channels', s: '/settings' };

function useShortcuts(setHelp: (change: (open: boolean) => boolean) => void) {
  const pendingG = useRef(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select, [contenteditable]') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (pendingG.current) {
        pendingG.current = false;
        const to = jumps[e.key];
        if (to) {
          e.preventDefault();
          navigate(to);
        }
        return;
      }
      if (e.key === 'g') pendingG.current = true;
      else if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>('input[type="search"]');
        if (search) {
          e.preventDefault();
          search.focus();
        }
      } else if (e.key === '?') setHelp((open) => !open);
      else if (e.key === 'Escape') setHelp(() => false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setHelp]);
}

export function Shell({ children }: { children: ReactNode }) {
  const { user, logout } = useSession();
  const { path } = useLocation();
  const live = useLiveConnected();
  const [theme, setTheme] = useState<Theme>(storedTheme());
  const [help, setHelp] = useState(false);
  const [menu, setMenu] = useState(false);
  useShortcuts(setHelp);

  const nav: [string, string, boolean][] = [
    ['/', 'Overview', true],
    ['/monitors', 'Monitors', true],
    ['/incidents', 'Incidents', true],
    ['/backups', 'Backups', true],
    ['/updates/approvals', 'Approvals', true],
    ['/maintenance', 'Maintenance', isGlobal(user)],
    ['/channels', 'Channels', isGlobal(user)],
    ['/status-pages', 'Status pages', isGlobal(user)],
    ['/tokens', 'Tokens', true],
    ['/users', 'Users', isAdmin(user)],
    ['/probes', 'Probes', isAdmin(user)],
    ['/settings', 'Settings', true],
  ];
  const current = (to: string) => (to === '/' ? path === '/' || path.startsWith('/sites') : path.startsWith(to));
  const themeWord = theme === 'system' ? 'Auto' : theme === 'dark' ? 'Dark' : 'Light';
  const cycleTheme = () => {
    const next: Theme = theme === 'system' ? 'dark' : theme === 'dark' ? 'light' : 'system';
    applyTheme(next);
    setTheme(next);
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Upkeep
        </Link>
        <button type="button" className="menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu((m) => !m)}>
          Menu
        </button>
        <nav id="nav" className={menu ? 'open' : ''} aria-label="Main">
          {nav
            .filter(([, , shown]) => shown)
            .map(([to, label]) => (
              <Link key={to} to={to} aria-current={current(to) ? 'page' : undefined} onClick={() => setMenu(false)}>
                {label}
              </Link>
            ))}
        </nav>
        <div className="topbar-end">
          <span className={`live ${live ? 'on' : 'off'}`} title={live ? 'Live updates are on' : 'Reconnecting to live updates…'}>
            {live ? 'Live' : 'Offline'}
          </span>
          {/* The accessible name holds the visible word (WCAG 2.5.3, label in name). */}
          <button type="button" onClick={cycleTheme} title="Theme: follow the system, dark or light" aria-label={`Theme: ${themeWord}`}>
            {themeWord}
          </button>
          <span className="who" title={`Role: ${user.role}`}>
            {user.name ?? user.email}
          </span>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      {children}
      {help ? (
        <div className="dialog" role="dialog" aria-label="Keyboard shortcuts">
          <h2>Keyboard</h2>
          <dl>
            <dt>{isGlobal(user) ? 'g o, g m, g i, g w, g c, g s' : 'g o, g m, g i, g s'}</dt>
            <dd>{isGlobal(user) ? 'overview, monitors, incidents, maintenance, channels, settings' : 'overview, monitors, incidents, settings'}</dd>
            <dt>/</dt>
            <dd>search</dd>
            <dt>↑ ↓ Home End</dt>
            <dd>move through a list</dd>
            <dt>?</dt>
            <dd>this help</dd>
          </dl>
          <button type="button" onClick={() => setHelp(false)} autoFocus>
            Close
          </button>
        </div>
      ) : null}
    </div>
  );
}
