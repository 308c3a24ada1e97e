import Link from 'next/link';

export default function NotFound() {
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1 className="page__title">Page not found</h1>
      <p>
        <Link href="/">Back to the worklist</Link>
      </p>
    </main>
  );
}
