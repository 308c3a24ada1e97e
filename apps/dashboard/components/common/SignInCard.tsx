/** The card of the pages outside the app (sign-in, choosing a password): the brand and a title. */
import type { ReactNode } from 'react';

export function SignInCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="signin" tabIndex={-1}>
      <div className="signin__card">
        <div className="brand brand--large" aria-hidden="true">
          <span className="brand__mark" />
          Embolus
        </div>
        <h1 className="signin__title">{title}</h1>
        {children}
      </div>
    </main>
  );
}
