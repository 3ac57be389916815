import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { boundFields, Field, FormEnd, useSubmit } from './form';
import { commaList, compact, Rows } from './rows';

const legalBases = ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'] as const;
const dpaStates = ['signed', 'pending', 'none', 'not-needed'] as const;

interface Purpose {
  name: string;
  legalBasis: string;
  dataCategories: string[];
  subjects: string[];
  retention?: string;
}
interface Processor {
  name: string;
  purpose?: string;
  country: string;
  dpa: string;
  domain?: string;
}
interface ThirdParty {
  domain: string;
  entity: string | null;
  country: string | null;
  documented: boolean;
}
export interface Records {
  controller: { name?: string; contact?: string };
  purposes: Purpose[];
  processors: Processor[];
  notes: string;
  thirdParties: ThirdParty[];
}

type PurposeRow = { name: string; legalBasis: string; dataCategories: string; subjects: string; retention: string };
type ProcessorRow = { name: string; purpose: string; country: string; dpa: string; domain: string };
const purposeRow = (p?: Purpose): PurposeRow => ({
  name: p?.name ?? '',
  legalBasis: p?.legalBasis ?? 'contract',
  dataCategories: (p?.dataCategories ?? []).join(', '),
  subjects: (p?.subjects ?? []).join(', '),
  retention: p?.retention ?? '',
});
const processorRow = (p?: Partial<Processor>): ProcessorRow => ({
  name: p?.name ?? '',
  purpose: p?.purpose ?? '',
  country: p?.country ?? '',
  dpa: p?.dpa ?? 'pending',
  domain: p?.domain ?? '',
});

/** What people write in a site's GDPR records: the controller, purposes, processors (country, DPA) and notes. */
export function PrivacyForm({ siteId, records, onSaved }: { siteId: number; records: Records; onSaved: () => void }) {
  const [controller, setController] = useState({ name: records.controller.name ?? '', contact: records.controller.contact ?? '' });
  const [purposes, setPurposes] = useState(() => records.purposes.map(purposeRow));
  const [processors, setProcessors] = useState(() => records.processors.map(processorRow));
  const [notes, setNotes] = useState(records.notes);
  const { busy, error, submit, fieldError } = useSubmit();
  const { text, choice } = boundFields(fieldError);
  const undocumented = records.thirdParties.filter((t) => !t.documented && !processors.some((p) => p.domain === t.domain));
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      controller: compact(controller),
      purposes: purposes.map((p) => ({
        ...compact(p),
        name: p.name,
        legalBasis: p.legalBasis,
        dataCategories: commaList(p.dataCategories),
        subjects: commaList(p.subjects),
      })),
      processors: processors.map((p) => ({ ...compact(p), name: p.name, country: p.country, dpa: p.dpa })),
      notes,
    };
    const ok = await submit(() => api(`/sites/${siteId}/privacy-records`, { method: 'PUT', body }));
    if (ok !== undefined) onSaved();
  };
  return (
    <form className="form" onSubmit={(e) => void onSubmit(e)} aria-label="GDPR records">
      <h2>Controller</h2>
      <div className="grid-2">
        {text('controller.name', 'Controller name', controller.name, (name) => setController((c) => ({ ...c, name })))}
        {text('controller.contact', 'Controller contact', controller.contact, (contact) => setController((c) => ({ ...c, contact })), {
          hint: 'who answers privacy questions',
        })}
      </div>
      <h2>Processing activities</h2>
      <Rows noun="Purpose" items={purposes} onChange={setPurposes} blank={purposeRow} max={50}>
        {(p, set, i) => (
          <>
            {text(`purposes[${i}].name`, `Purpose ${i + 1}`, p.name, (name) => set({ name }), { hint: 'e.g. order handling' })}
            {choice(`purposes[${i}].legalBasis`, `Purpose ${i + 1} legal basis`, legalBases, p.legalBasis, (legalBasis) => set({ legalBasis }))}
            {text(`purposes[${i}].dataCategories`, `Purpose ${i + 1} data categories`, p.dataCategories, (dataCategories) => set({ dataCategories }), {
              hint: 'comma-separated',
            })}
            {text(`purposes[${i}].subjects`, `Purpose ${i + 1} data subjects`, p.subjects, (subjects) => set({ subjects }), { hint: 'comma-separated' })}
            {text(`purposes[${i}].retention`, `Purpose ${i + 1} retention`, p.retention, (retention) => set({ retention }), {
              hint: 'e.g. 10 years (bookkeeping)',
            })}
          </>
        )}
      </Rows>
      <h2>Processors</h2>
      <p className="hint">A processor outside the EU/EEA whose agreement is pending or missing opens a task.</p>
      <Rows noun="Processor" items={processors} onChange={setProcessors} blank={processorRow} max={100}>
        {(p, set, i) => (
          <>
            {text(`processors[${i}].name`, `Processor ${i + 1} name`, p.name, (name) => set({ name }))}
            {text(`processors[${i}].purpose`, `Processor ${i + 1} purpose`, p.purpose, (purpose) => set({ purpose }))}
            {text(`processors[${i}].country`, `Processor ${i + 1} country`, p.country, (country) => set({ country }), { hint: 'ISO code, e.g. DE, US' })}
            {choice(`processors[${i}].dpa`, `Processor ${i + 1} DPA`, dpaStates, p.dpa, (dpa) => set({ dpa }))}
            {text(`processors[${i}].domain`, `Processor ${i + 1} domain`, p.domain, (domain) => set({ domain }), { hint: 'as the privacy audits see it' })}
          </>
        )}
      </Rows>
      {undocumented.length ? (
        <section aria-label="Third parties not in the records">
          <h3>Seen by the privacy audits, not in the records</h3>
          <ul className="plain small">
            {undocumented.map((t) => (
              <li key={t.domain}>
                {t.domain}
                {t.entity ? ` (${t.entity})` : ''}{' '}
                <button
                  type="button"
                  onClick={() => setProcessors((list) => [...list, processorRow({ name: t.entity ?? t.domain, domain: t.domain, country: t.country ?? '' })])}
                >
                  Add {t.domain} as a processor
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <Field label="Notes" error={fieldError('notes')}>
        {(p) => <textarea {...p} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <FormEnd error={error} shown={['controller', 'purposes', 'processors', 'notes']} busy={busy} submit="Save records" />
    </form>
  );
}
