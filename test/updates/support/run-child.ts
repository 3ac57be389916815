// Runs one update run in its own process, so a test can SIGKILL it halfway: argv = data dir, config file, site, spec (JSON).
import { openCore } from '../../../src/app.js';
import { readEnvironment } from '../../../src/config/env.js';
import { loadConfigFile } from '../../../src/config-file.js';
import { incidentsService } from '../../../src/incidents/index.js';
import { MaintenanceService } from '../../../src/incidents/maintenance.service.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { createUpdateRuns } from '../../../src/updates/index.js';

const [dataDir, configFile, site, spec] = process.argv.slice(2) as [string, string, string, string];
const env = readEnvironment();
const core = await openCore({ dataDir, env, logger: silentLogger() });
const { config } = await loadConfigFile(configFile, env.vars);
const runs = createUpdateRuns(core, config, {
  dataDir,
  allowPrivate: true,
  maintenance: new MaintenanceService(core.storage.db, core.clock),
  openIncident: (input, author) => incidentsService(core, config).service.open(input, author),
  // Short, so the test's restart takes over soon after the kill.
  leaseMs: 2_000,
});
await runs.run(site, JSON.parse(spec));
await core.close();
