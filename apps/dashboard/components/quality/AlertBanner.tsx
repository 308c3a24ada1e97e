'use client';
/**
 * The banner under the header while a drift alert is active (quality and admin roles only):
 * which label, what fired, for which period, with a link to the chart. Polled every minute in
 * the background (it does not keep an idle session alive).
 */
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { api } from '@/lib/api';
import { LABEL_NAMES } from '@/lib/labels';
import { ALERTS_ACTIVE_PATH, type AlertEvent } from '@/lib/alerts';
import type { StudyLabel } from '@/lib/types';

const POLL_MS = 60_000;

export function AlertBanner() {
  const [events, setEvents] = useState<AlertEvent[]>([]);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (background: boolean) => {
      try {
        const body = await api<{ items: AlertEvent[] }>(ALERTS_ACTIVE_PATH, { background });
        if (live) setEvents(body.items.filter((e) => e.state === 'active'));
      } catch {
        // No banner when the alerts cannot be read: the quality pages show the error themselves.
      }
      if (live) timer = setTimeout(() => void load(true), POLL_MS);
    };
    void load(false);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, []);
  if (events.length === 0) return null;
  const first = events[0] as AlertEvent;
  const name = LABEL_NAMES[first.label as StudyLabel] ?? first.label;
  return (
    <div className="alert-banner" role="alert" aria-label="Drift alert">
      <div className="alert-banner__inner">
        <strong>Drift alert{events.length > 1 ? `s (${events.length})` : ''}:</strong>{' '}
        <span>
          {name}, {first.period}: {first.message}
        </span>{' '}
        <Link
          href={`/quality?label=${encodeURIComponent(first.label)}&period=${first.period.includes('W') ? 'week' : 'month'}`}
          className="alert-banner__link"
        >
          Open the chart
        </Link>
        {events.length > 1 && (
          <>
            {' · '}
            <Link href="/quality/alerts" className="alert-banner__link">
              All alerts
            </Link>
          </>
        )}
      </div>
    </div>
  );
}
