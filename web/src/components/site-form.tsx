import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from './form';
import { fileForm, ObjectFormEnd } from './yaml-offer';
import { commaList } from './rows';

export interface SiteObject {
  id: number;
  name: string;
  url?: string;
  description?: string;
  owner?: string;
  deputy?: string;
  tags: string[];
  managedBy: string;
  [field: string]: unknown;
}

/** Makes or changes a site. A site from upkeep.yaml is not saved: its YAML is offered instead. */
export function SiteForm({ site, onSaved, onCancel }: { site?: SiteObject; onSaved: (site: SiteObject) => void; onCancel?: () => void }) {
  const [name, setName] = useState(site?.name ?? '');
  const [url, setUrl] = useState(site?.url ?? '');
  const [description, setDescription] = useState(site?.description ?? '');
  const [tags, setTags] = useState((site?.tags ?? []).join(', '));
  const [owner, setOwner] = useState(site?.owner ?? '');
  const [deputy, setDeputy] = useState(site?.deputy ?? '');
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();

  const body = () => {
    const rest = site ? fileForm(site) : {};
    delete rest.url;
    delete rest.description;
    delete rest.owner;
    delete rest.deputy;
    return {
      ...rest,
      name: name.trim(),
      ...(url.trim() ? { url: url.trim() } : {}),
      ...(description.trim() ? { description } : {}),
      ...(owner.trim() ? { owner: owner.trim() } : {}),
      ...(deputy.trim() ? { deputy: deputy.trim() } : {}),
      tags: commaList(tags),
    };
  };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (site?.managedBy === 'config') return setOffer(body());
    const saved = await submit(() =>
      site ? api<SiteObject>(`/sites/${site.id}`, { method: 'PUT', body: body() }) : api<SiteObject>('/sites', { method: 'POST', body: body() }),
    );
    if (saved) onSaved(saved);
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="form" aria-label={site ? 'Edit site' : 'New site'}>
      <Field label="Name" error={fieldError('name')}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required autoFocus />}
      </Field>
      <Field label="URL" error={fieldError('url')} hint="The home page: audits and the speed pillar use it.">
        {(p) => <input {...p} type="text" inputMode="url" placeholder="https://shop.example.com" value={url} onChange={(e) => setUrl(e.target.value)} />}
      </Field>
      <Field label="Tags" error={fieldError('tags')} hint="Comma-separated, e.g. client-acme, ecommerce. Teams see sites by tag.">
        {(p) => <input {...p} value={tags} onChange={(e) => setTags(e.target.value)} />}
      </Field>
      <Field label="Owner" error={fieldError('owner')} hint="The email of the account answerable for this site; new incidents are assigned to it.">
        {(p) => <input {...p} type="email" value={owner} onChange={(e) => setOwner(e.target.value)} />}
      </Field>
      <Field label="Deputy" error={fieldError('deputy')} hint="Who stands in for the owner (an account's email).">
        {(p) => <input {...p} type="email" value={deputy} onChange={(e) => setDeputy(e.target.value)} />}
      </Field>
      <Field label="Description" error={fieldError('description')}>
        {(p) => <textarea {...p} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <FormError error={error} shown={['name', 'url', 'tags', 'description', 'owner', 'deputy']} />
      <ObjectFormEnd what="site" place={{ section: 'sites' }} offer={offer} managedBy={site?.managedBy} busy={busy} onCancel={onCancel} />
    </form>
  );
}
