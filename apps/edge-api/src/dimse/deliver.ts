/**
 * DICOM result delivery: due deliveries are leased, their objects (SR and key images, stored
 * artifacts) sent to the destination, and every attempt recorded in the delivery log, retried
 * with exponential backoff (EMBOLUS_DICOM_DELIVERY_*). A PACS that is down only delays
 * delivery: the objects stay stored and downloadable whatever happens.
 */
import type { AppDeps } from '../deps';
import { sendDimse, sendStow } from './send';

/** Default calling AE title of deliveries when the destination names none. */
export const DEFAULT_CALLING_AE = 'EMBOLUS';

/** Sends due deliveries once. Never throws. */
export async function deliverDicom(
  deps: AppDeps,
  limit = 8,
  onDelivered?: (e: { studyId: string; at: number }) => void,
): Promise<{ attempted: number; delivered: number }> {
  const { store, blobs, config, clock, logger } = deps;
  let due;
  try {
    due = await store.dicom.claimDue(limit, config.dicomDeliveryTimeoutMs * 2);
  } catch (e) {
    logger.log('error', 'dicom_delivery.claim_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
    return { attempted: 0, delivered: 0 };
  }
  let delivered = 0;
  for (const { delivery, destination } of due) {
    const started = clock.now();
    let error: string | null;
    try {
      const objects: Uint8Array[] = [];
      for (const name of JSON.parse(delivery.artifacts) as string[]) {
        const a = await store.results.artifact(delivery.tenantId, delivery.jobId, name);
        const bytes = a ? await blobs.get(a.blobKey) : null;
        if (!bytes) throw Object.assign(new Error('artifact missing'), { code: 'ARTIFACT_MISSING' });
        objects.push(bytes);
      }
      if (!destination.active) error = 'destination deactivated';
      else if (destination.kind === 'dimse') {
        error = await sendDimse(
          {
            host: destination.host ?? '127.0.0.1',
            port: destination.port ?? 104,
            calledAe: destination.calledAe ?? 'ANY-SCP',
            callingAe: destination.callingAe ?? DEFAULT_CALLING_AE,
          },
          objects,
          config.dicomDeliveryTimeoutMs,
        );
      } else error = await sendStow(destination.url ?? '', objects, config.dicomDeliveryTimeoutMs, deps.fetch);
    } catch (e) {
      error = (e as { code?: string }).code ?? 'internal error';
    }
    try {
      const row = await store.dicom.recordAttempt(
        delivery.id,
        { at: clock.now(), ok: error === null, error, ms: clock.now() - started },
        {
          maxAttempts: config.dicomDeliveryMaxAttempts,
          backoff: config.dicomDeliveryBackoff,
        },
      );
      if (row?.status === 'delivered') {
        delivered++;
        onDelivered?.({ studyId: delivery.studyId, at: clock.now() });
      }
      logger.log(error ? 'warn' : 'info', 'dicom_delivery.attempt', {
        deliveryId: delivery.id,
        destinationId: destination.id,
        kind: destination.kind,
        error,
        outcome: row?.status,
        attempts: row?.attempts,
      });
    } catch (e) {
      logger.log('error', 'dicom_delivery.record_failed', { deliveryId: delivery.id, code: (e as { code?: string }).code ?? 'INTERNAL' });
    }
  }
  return { attempted: due.length, delivered };
}
