import { useEffect, useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { Field, FormError, KindField, useSubmit } from '../components/form';
import { ErrorNote, FromFile, Loading, PageTitle, Status } from '../components/ui';
import { fileForm, ObjectFormEnd } from '../components/yaml-offer';
import { useAction, useLoad } from '../hooks';
import { useKinds } from '../kinds';
import { canEdit, useSession } from '../session';
import { useEditor } from '../components/editor';
import { useYamlFields } from '../components/yaml-fields';

interface Channel {
  id: number;
  name: string;
  type: string;
  managedBy: string;
  [field: string]: unknown;
}
interface Delivery {
  ok: boolean;
  status?: number;
  message?: string;
  detail?: string;
}

/** Notification channels: each can be tried at once with "Send test", whose outcome is shown as the provider said it. */
export function ChannelsPage() {
  const { user } = useSession();
  const channels = useLoad((signal) => api<Page<Channel>>('/channels?limit=500', { signal }), []);
  const action = useAction();
  const editor = useEditor<Channel>(() => channels.reload());
  const [tests, setTests] = useState<Record<number, Delivery | 'sending' | { error: string }>>({});
  const test = async (c: Channel) => {
    setTests((t) => ({ ...t, [c.id]: 'sending' }));
    try {
      const got = await api<Delivery>(`/channels/${c.id}/test`, { method: 'POST' });
      setTests((t) => ({ ...t, [c.id]: got }));
    } catch (err) {
      setTests((t) => ({ ...t, [c.id]: { error: (err as Error).message } }));
    }
  };
  return (
    <main id="main" className="content">
      <PageTitle actions={canEdit(user) ? editor.addButton('Add a channel') : null}>Notification channels</PageTitle>
      <ErrorNote error={channels.error ?? action.error} />
      {editor.form((channel, done) => (
        <ChannelForm channel={channel} onDone={done} />
      ))}
      {!channels.data ? <Loading what="channels" /> : null}
      {channels.data && !channels.data.data.length ? <p className="empty">No channels: incidents are recorded but nobody is told.</p> : null}
      <ul className="plain rows">
        {channels.data?.data.map((c) => {
          const t = tests[c.id];
          return (
            <li key={c.id} data-channel={c.name}>
              <strong>{c.name}</strong> <span className="badge">{c.type}</span> <FromFile managedBy={c.managedBy} />{' '}
              {canEdit(user) ? (
                <>
                  <button type="button" onClick={() => void test(c)} disabled={t === 'sending'}>
                    {t === 'sending' ? 'Sending…' : 'Send test'}
                  </button>
                  {editor.buttons(c, { question: `Delete the channel ${c.name}?`, path: `/channels/${c.id}` }, action.run)}
                </>
              ) : null}
              {t && t !== 'sending' ? (
                <p className="small" role="status">
                  {'error' in t ? (
                    <Status value="down">{t.error}</Status>
                  ) : t.ok ? (
                    <Status value="up">delivered{t.status ? ` (${t.status})` : ''}</Status>
                  ) : (
                    <Status value="down">
                      not delivered{t.status ? ` (${t.status})` : ''}: {t.message ?? t.detail ?? 'the provider refused it'}
                    </Status>
                  )}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </main>
  );
}

/** Name and type as inputs (the types from the server's registry); the type's own fields as YAML (the kinds of channel differ too much for one form). */
function ChannelForm({ channel, onDone }: { channel: Channel | undefined; onDone: () => void }) {
  const [name, setName] = useState(channel?.name ?? '');
  const kinds = useKinds('channels');
  const [type, setType] = useState(channel?.type ?? 'webhook');
  const secrets = kinds.data?.find((k) => k.kind === type)?.secretFields.map((f) => f.path);
  const [fields, setFields] = useState('');
  const [offer, setOffer] = useState<Record<string, unknown> | null>(null);
  const { busy, error, setError, submit, fieldError } = useSubmit();
  const { parseError, parseFields } = useYamlFields(() => setError(null));
  useEffect(() => {
    const rest = channel ? fileForm(channel) : { url: 'https://', secret: '' };
    delete rest.name;
    delete rest.type;
    void import('yaml').then(({ stringify }) => setFields(stringify(rest)));
  }, [channel]);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = await parseFields(fields, 'url: https://…');
    if (!parsed) return;
    const body = { name: name.trim(), type, ...parsed };
    if (channel?.managedBy === 'config') return setOffer(body);
    const ok = await submit(() => (channel ? api(`/channels/${channel.id}`, { method: 'PUT', body }) : api('/channels', { method: 'POST', body })));
    if (ok !== undefined) onDone();
  };
  const other = error?.details.filter((d) => d.path && d.path !== 'name' && d.path !== 'type') ?? [];
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Channel">
      <div className="grid-2">
        <Field label="Name" error={fieldError('name')}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <KindField kinds={kinds.data} value={type} onChange={setType} fixed={Boolean(channel)} error={fieldError('type')} />
      </div>
      <Field
        label="Fields (YAML)"
        error={parseError ?? (other.length ? other.map((d) => `${d.path}: ${d.message}`).join('; ') : undefined)}
        hint={`The channel's settings as in upkeep.yaml, e.g. url and secret for a webhook (docs/notifications.md lists each type's). ${
          secrets?.length ? `Secret here: ${secrets.join(', ')}. ` : ''
        }******** keeps a stored secret.`}
      >
        {(p) => <textarea {...p} rows={6} className="mono" value={fields} onChange={(e) => setFields(e.target.value)} />}
      </Field>
      <FormError error={error} shown={['name', 'type', ...other.map((d) => d.path!)]} />
      <ObjectFormEnd what="channel" place={{ section: 'channels' }} offer={offer} managedBy={channel?.managedBy} busy={busy} onCancel={onDone} />
    </form>
  );
}
