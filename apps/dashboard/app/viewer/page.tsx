'use client';
/**
 * The study viewer, `/viewer?id=<study id>`. The page itself is light: cornerstone3D and the
 * viewer component are imported only here, after the study and its instance list arrive (in
 * parallel with them), so no other page carries their weight.
 */
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { Suspense, useEffect, useState, type ComponentType } from 'react';
import { handleAuthError, Shell } from '@/components/Shell';
import type { ViewerProps } from '@/components/viewer/Viewer';
import { api, ApiError } from '@/lib/api';
import { shortId } from '@/lib/format';
import type { StudyDetail } from '@/lib/types';
import { stackInstances, type InstanceRow } from '@/lib/viewer/stack-input';

type Loaded = { Viewer: ComponentType<ViewerProps>; props: ViewerProps };

/** Loads the viewer and cornerstone (and initialises it) as soon as this page's script runs, while the study's data is fetched. */
const loadViewer = () =>
  Promise.all([import('@/components/viewer/Viewer'), import('@/lib/viewer/engine')]).then(async ([mod, engine]) => {
    await engine.initCornerstone();
    return { mod, engine };
  });
// Only when this page is the one opened: Next evaluates this module on other pages too when it
// prefetches the route (a link to /viewer on the study page), and the study page must not load cornerstone.
const preload = typeof window === 'undefined' || !window.location.pathname.startsWith('/viewer') ? null : loadViewer();

function ViewerPage() {
  const id = useSearchParams().get('id') ?? '';
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!id) return setError('No study given.');
    let live = true;
    const path = `/v1/studies/${encodeURIComponent(id)}`;
    Promise.all([preload ?? loadViewer(), api<StudyDetail>(path), api<{ items: InstanceRow[] }>(`${path}/instances`)])
      .then(([{ mod, engine }, study, list]) => {
        if (!live) return;
        performance.mark('embolus:viewer-data');
        const sops = stackInstances(list.items, study.result);
        if (sops.length === 0) return setError('This study holds no images to show.');
        const imageIds = sops.map((s) => engine.imageIdOf(id, s));
        const sopOf = Object.fromEntries(imageIds.map((im, i) => [im, sops[i]!]));
        setLoaded({ Viewer: mod.default, props: { studyId: id, result: study.result, imageIds, sopOf } });
      })
      .catch((e: unknown) => {
        if (!live || handleAuthError(e)) return;
        setError(
          e instanceof ApiError && (e.status === 404 || e.status === 400)
            ? 'There is no study with this ID in your organisation.'
            : 'The viewer could not be loaded.',
        );
      });
    return () => {
      live = false;
    };
  }, [id]);

  return (
    <section aria-labelledby="vw-title" className="vw-page">
      <p className="crumbs">
        <Link href="/">Worklist</Link> <span aria-hidden="true">/</span>{' '}
        <Link href={`/study?id=${encodeURIComponent(id)}`}>Study {shortId(id)}</Link> <span aria-hidden="true">/</span> Viewer
      </p>
      <h1 id="vw-title" className="page__title">
        Images of study <span className="mono">{shortId(id)}</span>
      </h1>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : loaded ? (
        <loaded.Viewer {...loaded.props} />
      ) : (
        <p role="status">Loading the viewer…</p>
      )}
    </section>
  );
}

export default function Page() {
  return (
    <Shell>
      <Suspense fallback={<p role="status">Loading…</p>}>
        <ViewerPage />
      </Suspense>
    </Shell>
  );
}
