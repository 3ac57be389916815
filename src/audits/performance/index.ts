import type { AuditContext } from '../context.js';
import { emptyResult, type CategoryResult } from '../types.js';

export async function performanceAudit(_ctx: AuditContext): Promise<CategoryResult> {
  return emptyResult();
}
