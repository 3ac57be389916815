import { PageTitle } from '../components/ui';

/**
 * Status pages are made in upkeep.yaml for now: the status pages API and its editor come with the
 * status pages work, which has not landed in this build.
 */
export function StatusPagesPage() {
  return (
    <main id="main" className="content narrow">
      <PageTitle>Status pages</PageTitle>
      <div className="card">
        <p>
          Status pages are configured in <code>upkeep.yaml</code> in this version; the editor arrives here with the status pages API.
        </p>
        <p>
          Write them in the file and run <code>upkeep apply</code>; <code>upkeep validate</code> checks the file and points at any mistake by line and field.
          The README and <code>docs/</code> in the Upkeep repository describe the file; the API is described at <a href="/api/v1/docs">/api/v1/docs</a>.
        </p>
      </div>
    </main>
  );
}
