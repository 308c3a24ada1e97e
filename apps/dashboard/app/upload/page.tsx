'use client';
import { Shell } from '@/components/Shell';

export default function UploadPage() {
  return (
    <Shell>
      <h1 className="page__title">Upload</h1>
      <section className="card placeholder" aria-labelledby="upload-soon">
        <h2 id="upload-soon">Upload arrives with @embolus/deid</h2>
        <p>
          Uploading from the browser, with de-identification on this computer before anything is sent, comes with the <code>@embolus/deid</code> package. Until then,
          upload anonymized studies over the API: create a study, put its instances and submit it.
        </p>
        <p>
          <a className="button button--secondary" href="/v1/openapi.json">
            API documentation (OpenAPI)
          </a>
        </p>
      </section>
    </Shell>
  );
}
