'use client';
/**
 * Webhooks (admin): the organisation's endpoints and, for the one chosen, its delivery log
 * (status, attempts, last error, times) with redelivery of any delivery.
 */
import { useCallback, useEffect, useState } from 'react';
import { AdminFrame, when } from '@/components/admin/AdminFrame';
import { ListTable } from '@/components/common/ListTable';
import { ErrorNotice, OutcomeNotice, useErrorState } from '@/components/common/Notice';
import { OffsetPager } from '@/components/common/Pager';
import { Shell } from '@/components/Shell';
import { api } from '@/lib/api';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
}
interface Delivery {
  id: string;
  event: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
const PAGE = 25;
const BADGE: Record<Delivery['status'], string> = {
  delivered: 'badge--negative',
  failed: 'badge--urgent',
  pending: 'badge--neutral',
  sending: 'badge--neutral',
};

function Webhooks() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [offset, setOffset] = useState(0);
  const { error, setError, fail } = useErrorState();
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    api<{ items: Webhook[] }>('/v1/webhooks')
      .then((r) => {
        setHooks(r.items);
        setChosen((c) => c ?? r.items[0]?.id ?? null);
      })
      .catch((e) => fail(e, 'The webhooks could not be loaded.'));
  }, [fail]);

  const loadDeliveries = useCallback(async () => {
    if (!chosen) return;
    try {
      setDeliveries((await api<{ items: Delivery[] }>(`/v1/webhooks/${chosen}/deliveries?limit=${PAGE}&offset=${offset}`)).items);
    } catch (e) {
      fail(e, 'The delivery log could not be loaded.');
    }
  }, [chosen, offset, fail]);
  useEffect(() => {
    void loadDeliveries();
  }, [loadDeliveries]);

  async function redeliver(d: Delivery) {
    setError(null);
    setNotice(null);
    try {
      await api(`/v1/webhooks/${chosen}/deliveries/${d.id}/redeliver`, { method: 'POST' });
      setNotice(`Delivery of ${d.event} from ${when(d.createdAt)} queued again.`);
      setOffset(0);
      await loadDeliveries();
    } catch (e) {
      fail(e, 'The delivery could not be queued again.');
    }
  }

  return (
    <AdminFrame
      title="Webhooks"
      intro="Endpoints notified of results, and every delivery attempt. Partners register endpoints with an API key (POST /v1/webhooks)."
    >
      <ErrorNotice>{error}</ErrorNotice>
      <OutcomeNotice outcome={notice ? { ok: true, text: notice } : null} okClass="alert--ok" />
      <ListTable
        caption="Webhooks"
        columns={['Endpoint', 'Events', 'State', 'Registered', 'Log']}
        empty="No webhooks registered."
        isEmpty={hooks?.length === 0}
      >
        {(hooks ?? []).map((w) => (
          <tr key={w.id} aria-selected={w.id === chosen}>
            <td className="mono">{w.url}</td>
            <td>{w.events.join(', ')}</td>
            <td>
              {w.active ? <span className="badge badge--negative">Active</span> : <span className="badge badge--neutral">Deactivated</span>}
            </td>
            <td className="small">{when(w.createdAt)}</td>
            <td>
              <button
                type="button"
                className="button button--secondary button--small"
                aria-pressed={w.id === chosen}
                onClick={() => {
                  setChosen(w.id);
                  setOffset(0);
                }}
              >
                Show deliveries
              </button>
            </td>
          </tr>
        ))}
      </ListTable>

      {chosen && (
        <section aria-labelledby="log-title" style={{ marginTop: '1.5rem' }}>
          <div className="page__head">
            <h2 id="log-title">Delivery log</h2>
            <button type="button" className="button button--secondary button--small" onClick={() => void loadDeliveries()}>
              Refresh
            </button>
          </div>
          <ListTable
            caption="Deliveries, newest first"
            columns={['Created', 'Event', 'Status', 'Attempts', 'Last answer', 'Delivered / next try', 'Actions']}
            empty="No deliveries yet."
            isEmpty={deliveries?.length === 0}
          >
            {(deliveries ?? []).map((d) => (
              <tr key={d.id}>
                <td className="small">{when(d.createdAt)}</td>
                <td>{d.event}</td>
                <td>
                  <span className={`badge ${BADGE[d.status]}`}>{d.status}</span>
                </td>
                <td className="num">{d.attempts}</td>
                <td className="small">
                  {d.lastStatus !== null ? `HTTP ${d.lastStatus}` : ''}
                  {d.lastError && d.lastError !== `HTTP ${d.lastStatus}` && <div className="sub">{d.lastError}</div>}
                </td>
                <td className="small">{d.deliveredAt ? when(d.deliveredAt) : d.nextAttemptAt ? `next ${when(d.nextAttemptAt)}` : '—'}</td>
                <td>
                  <button type="button" className="button button--secondary button--small" onClick={() => redeliver(d)}>
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
          <OffsetPager
            label="Delivery pages"
            offset={offset}
            pageSize={PAGE}
            shown={deliveries?.length ?? 0}
            onOffset={setOffset}
            summary={deliveries && deliveries.length > 0 ? `Deliveries ${offset + 1}–${offset + deliveries.length}` : ''}
          />
        </section>
      )}
    </AdminFrame>
  );
}

export default function WebhooksPage() {
  return (
    <Shell>
      <Webhooks />
    </Shell>
  );
}
