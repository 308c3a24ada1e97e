/**
 * The decision thresholds in force for a tenant (issue 18): its active site threshold set over
 * the defaults (the paper's Table 2, which every shipped model manifest uses).
 */
import type { Store, ThresholdSet } from '@embolus/db';
import { DEFAULT_THRESHOLDS, type Label } from '@embolus/shared';

/** The tenant's thresholds and the set they come from (null: defaults only). */
export async function thresholdsInForce(
  store: Store,
  tenantId: string,
): Promise<{ set: ThresholdSet | null; thresholds: Record<Label, number> }> {
  const set = await store.thresholdSets.active(tenantId);
  const thresholds = { ...DEFAULT_THRESHOLDS } as Record<Label, number>;
  for (const [l, v] of Object.entries(set?.thresholds ?? {}))
    if (Object.hasOwn(thresholds, l) && typeof v === 'number') thresholds[l as Label] = v;
  return { set, thresholds };
}
