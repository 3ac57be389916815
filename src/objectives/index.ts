import type { Core } from '../app.js';
import type { Incidents } from '../incidents/index.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import { applyObjectiveAlerts } from './alerts.js';
import { ObjectivesService } from './objectives.service.js';

/**
 * Objectives over the engine's results and the incidents' maintenance calendar: burn-rate alerts
 * become incidents through the incidents' notifier, and the outbox sender is woken after each.
 */
export function createObjectives(core: Core, engine: MonitoringEngine, incidents: Incidents): ObjectivesService {
  const log = core.logger.child({ component: 'objectives' });
  return new ObjectivesService(
    core.storage.db,
    core.sites,
    engine.results,
    incidents.calendar,
    core.clock,
    log,
    async (site, statuses) => {
      await applyObjectiveAlerts(core.storage.db, { clock: core.clock, notifier: incidents.notifier }, site, statuses);
      incidents.sender.wake();
    },
    core.audits,
  );
}
