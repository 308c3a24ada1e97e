import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Embolus', template: '%s · Embolus' },
  description: 'Pulmonary embolism detection on CT pulmonary angiograms. Research software, not for clinical use.',
  robots: { index: false, follow: false },
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#0f172a' };

/** Every page: a skip link and the research-software banner above everything else. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <div className="research-banner" role="note" aria-label="Research software notice">
          <strong>Research software — not for clinical use.</strong> Results must not inform diagnosis or treatment.
        </div>
        {children}
      </body>
    </html>
  );
}
