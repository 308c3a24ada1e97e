/** A study uploaded, submitted and completed through the API with a chosen result (quality tests). */
import { ctStudy } from '@embolus/testkit';
import type { AnalysisResult } from '@embolus/shared';
import type { Harness } from './harness';

export async function analysedStudy(
  h: Harness,
  keys: { clinician: string; runner: string },
  result: AnalysisResult,
): Promise<{ id: string; status: number }> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: keys.clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: keys.clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await h.request('POST', `/v1/studies/${id}/submit`, { key: keys.clinician });
  const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: keys.runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: keys.runner,
    json: { result },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  return { id, status: res.status };
}
