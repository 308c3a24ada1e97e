'use client';
/**
 * Who did something: the API records the actor as `user:<id>` (a dashboard session) or an API
 * key id. Admins can read the user list and see emails; others see "you" for themselves and a
 * short id for the rest.
 */
import { useEffect, useState } from 'react';
import { useSession } from '@/components/Shell';
import { api } from './api';

export function useWho(): (actor: string | null | undefined) => string {
  const session = useSession();
  const [emails, setEmails] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (session?.user.role !== 'admin') return;
    api<{ items: { id: string; email: string }[] }>('/v1/users')
      .then((b) => setEmails(new Map(b.items.map((u) => [`user:${u.id}`, u.email]))))
      .catch(() => undefined);
  }, [session?.user.role]);
  return (actor) => {
    if (!actor) return '—';
    if (session && (actor === `user:${session.user.id}` || actor === session.user.id)) return `you (${session.user.email})`;
    const email = emails.get(actor) ?? emails.get(`user:${actor}`);
    if (email) return email;
    if (actor.includes('@')) return actor;
    return actor.startsWith('user:') ? `user ${actor.slice(5, 13)}` : `key ${actor.slice(0, 8)}`;
  };
}
