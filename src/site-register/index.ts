import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { PlannedWorkService } from '../planned-work/planned-work.service.js';
import { plannedWorkRoutes } from '../planned-work/planned-work.routes.js';
import { registerRoutes } from './register.routes.js';
import { RegisterService } from './register.service.js';

/** The site register and planned work over an open core (API only; nothing runs in the background). */
export function siteBookRoutes(core: Core, incidents: IncidentsService): (api: FastifyInstance) => void {
  const register = new RegisterService(core.storage.db, core.secrets, core.clock);
  const planned = new PlannedWorkService(core.storage.db, core.clock);
  return (api) => {
    registerRoutes(api, { register, sites: core.sites, incidents });
    plannedWorkRoutes(api, { planned, sites: core.sites });
  };
}
