import { useState, type FormEvent } from 'react';
import { api, qs } from '../api';
import { ErrorNote, Loading, PageTitle, Empty, Status } from '../components/ui';
import { ago, when } from '../format';
import { useAction, useLoad, useSettled } from '../hooks';
import { Link, navigate, useLocation } from '../router';

interface Run {
  id: number;
  kind: 'backup' | 'drill' | 'check' | 'restore';
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  message: string;
  snapshotId: string | null;
}
interface Job {
  name: string;
  site: { id: number; name: string };
  repository: string;
  source: string;
  schedule: string;
  timezone: string;
  lastBackup: Run | null;
  lastDrill: Run | null;
  lastCheck: Run | null;
  may: { download: boolean; restoreToServer: boolean };
}
interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  hostname: string | null;
  paths: string[];
}
interface Entry {
  name: string;
  path: string;
  type: string;
  size: number | null;
  mtime: string;
}

const bytes = (n: number | null) =>
  n === null ? '' : n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
const jobPath = (job: string) => `/backups/jobs/${encodeURIComponent(job)}`;

/** The last run of a kind: its outcome and when, its message on hover. */
function LastRun({ run }: { run: Run | null }) {
  if (!run) return <span className="muted">never</span>;
  return (
    <span title={run.message}>
      <Status value={run.ok ? 'up' : 'down'}>{run.ok ? 'ok' : 'failed'}</Status> {ago(run.finishedAt)}
    </span>
  );
}

/** Every backup job in reach, with its last backup, restore drill and repository check. */
export function BackupsPage() {
  const jobs = useLoad(() => api<{ data: Job[] }>('/backups/jobs'), []);
  return (
    <main id="main" className="content">
      <PageTitle>Backups</PageTitle>
      <ErrorNote error={jobs.error} />
      {!jobs.data ? (
        <Loading what="backup jobs" />
      ) : jobs.data.data.length === 0 ? (
        <Empty>No backup jobs: they are written under backups: in upkeep.yaml (see docs/backups.md).</Empty>
      ) : (
        <table className="data" aria-label="Backup jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Site</th>
              <th>Repository</th>
              <th>Last backup</th>
              <th>Last drill</th>
              <th>Last check</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.data.map((j) => (
              <tr key={j.name} data-job={j.name}>
                <td>
                  <Link to={`/backups/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                  <div className="small muted">
                    {j.source} · {j.schedule} ({j.timezone})
                  </div>
                </td>
                <td>
                  <Link to={`/sites/${j.site.id}`}>{j.site.name}</Link>
                </td>
                <td>{j.repository}</td>
                <td>
                  <LastRun run={j.lastBackup} />
                </td>
                <td>
                  <LastRun run={j.lastDrill} />
                </td>
                <td>
                  <LastRun run={j.lastCheck} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** Restores one path into a new folder below the server's restore root. */
function RestoreForm({ job, snapshot, path, onClose }: { job: string; snapshot: string; path: string; onClose: () => void }) {
  const [target, setTarget] = useState(`${job}/${snapshot.slice(0, 8)}`);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    action.run(async () => {
      const res = await api<{ target: string; files: number; bytes: number }>(`${jobPath(job)}/snapshots/${snapshot}/restore`, {
        method: 'POST',
        body: { paths: [path], target },
      });
      setDone(`Restored ${res.files} files (${bytes(res.bytes)}) to ${res.target}`);
    });
  };
  return (
    <form className="card form" aria-label={`Restore ${path}`} onSubmit={submit}>
      <p>
        Restore <code>{path}</code> onto the server, into a new or empty folder below the restore root.
      </p>
      <label>
        Target folder
        <input value={target} onChange={(e) => setTarget(e.target.value)} required />
      </label>
      <div className="actions">
        <button type="submit">Restore</button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorNote error={action.error} />
      {done ? (
        <p role="status">
          <Status value="up">{done}</Status>
        </p>
      ) : null}
    </form>
  );
}

/** A snapshot's tree, a folder at a time, with search, download and restore. */
function SnapshotBrowser({ job, snapshot }: { job: Job; snapshot: Snapshot }) {
  const { query } = useLocation();
  const path = query.get('path') ?? '/';
  const [search, setSearch] = useState('');
  const [restoring, setRestoring] = useState<string | null>(null);
  const settled = useSettled(search.trim(), 300);
  const base = `${jobPath(job.name)}/snapshots/${snapshot.id}`;
  const tree = useLoad(() => api<{ entries: Entry[] }>(`${base}/tree${qs({ path })}`), [base, path]);
  const found = useLoad(
    () => (settled ? api<{ matches: Entry[]; truncated: boolean }>(`${base}/search${qs({ q: settled })}`) : Promise.resolve(undefined)),
    [base, settled],
  );
  const open = (to: string) => navigate(`/backups/${encodeURIComponent(job.name)}${qs({ snapshot: snapshot.id, path: to })}`);
  const parts = path.split('/').filter(Boolean);
  const entries = settled ? found.data?.matches : tree.data?.entries;
  return (
    <section aria-label={`Snapshot ${snapshot.shortId}`}>
      <h2>
        Snapshot {snapshot.shortId} <span className="small muted">{when(snapshot.time)}</span>
      </h2>
      <nav aria-label="Folder" className="toolbar">
        <button type="button" className="link" onClick={() => open('/')}>
          /
        </button>
        {parts.map((p, i) => (
          <button key={i} type="button" className="link" onClick={() => open(`/${parts.slice(0, i + 1).join('/')}`)}>
            {p}/
          </button>
        ))}
        <input type="search" aria-label="Find a file by name" placeholder="Find a file by name" value={search} onChange={(e) => setSearch(e.target.value)} />
      </nav>
      <ErrorNote error={tree.error ?? found.error} />
      {restoring ? <RestoreForm job={job.name} snapshot={snapshot.id} path={restoring} onClose={() => setRestoring(null)} /> : null}
      {!entries ? (
        <Loading what="the folder" />
      ) : entries.length === 0 ? (
        <Empty>{settled ? 'No file or folder has that in its name.' : 'This folder is empty.'}</Empty>
      ) : (
        <table className="data" aria-label="Files">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Modified</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.path} data-entry={e.name}>
                <td>
                  {e.type === 'dir' ? (
                    <button type="button" className="link" onClick={() => open(e.path)}>
                      {settled ? e.path : e.name}/
                    </button>
                  ) : (
                    <span>{settled ? e.path : e.name}</span>
                  )}
                  {e.type !== 'dir' && e.type !== 'file' ? <span className="small muted"> ({e.type})</span> : null}
                </td>
                <td>{bytes(e.size)}</td>
                <td>{when(e.mtime)}</td>
                <td className="actions">
                  {job.may.download ? (
                    <a href={`/api/v1${base}/archive${qs({ path: e.path })}`} download aria-label={`Download ${e.name}`}>
                      Download
                    </a>
                  ) : null}
                  {job.may.restoreToServer ? (
                    <button type="button" onClick={() => setRestoring(e.path)} aria-label={`Restore ${e.name} to the server`}>
                      Restore…
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {found.data?.truncated ? <p className="small muted">Only the first matches are shown; type more of the name.</p> : null}
    </section>
  );
}

/** One job: its runs, its snapshots, and the chosen snapshot's tree. */
export function BackupJobPage({ name }: { name: string }) {
  const { query } = useLocation();
  const job = useLoad(() => api<Job>(jobPath(name)), [name]);
  const snapshots = useLoad(() => api<{ data: Snapshot[] }>(`${jobPath(name)}/snapshots`), [name]);
  const runs = useLoad(() => api<{ data: Run[] }>(`${jobPath(name)}/runs${qs({ limit: 20 })}`), [name]);
  const chosen = snapshots.data?.data.find((s) => s.id === query.get('snapshot'));
  return (
    <main id="main" className="content">
      <PageTitle>Backup job {name}</PageTitle>
      <p>
        <Link to="/backups">All backups</Link>
      </p>
      <ErrorNote error={job.error ?? snapshots.error ?? runs.error} />
      {job.data ? (
        <p>
          Site <Link to={`/sites/${job.data.site.id}`}>{job.data.site.name}</Link> · repository {job.data.repository} · {job.data.source} · {job.data.schedule}{' '}
          ({job.data.timezone})
        </p>
      ) : null}
      <h2>Snapshots</h2>
      {snapshots.error ? null : !snapshots.data ? (
        <Loading what="snapshots" />
      ) : snapshots.data.data.length === 0 ? (
        <Empty>No snapshot yet.</Empty>
      ) : (
        <ul className="plain-list" aria-label="Snapshots">
          {snapshots.data.data.map((s) => (
            <li key={s.id}>
              <Link to={`/backups/${encodeURIComponent(name)}${qs({ snapshot: s.id })}`} aria-current={s.id === chosen?.id ? 'true' : undefined}>
                {s.shortId}
              </Link>{' '}
              {when(s.time)} <span className="small muted">{s.hostname}</span>
            </li>
          ))}
        </ul>
      )}
      {job.data && chosen ? <SnapshotBrowser job={job.data} snapshot={chosen} /> : null}
      <h2>History</h2>
      {runs.data?.data.length ? (
        <ul className="plain-list" aria-label="Runs">
          {runs.data.data.map((r) => (
            <li key={r.id}>
              <Status value={r.ok ? 'up' : 'down'}>{r.kind}</Status> {when(r.startedAt)} <span className="small">{r.message}</span>
            </li>
          ))}
        </ul>
      ) : (
        <Empty>No runs recorded yet.</Empty>
      )}
    </main>
  );
}
