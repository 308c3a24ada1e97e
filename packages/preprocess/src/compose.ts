/**
 * Composable steps in the MONAI style: configuration goes into the factory, data into the call.
 * `compose` times each step, records its input/output geometry and, when a step fails, rethrows
 * naming the step and the shape it was given.
 */
import { PreprocessError } from './errors';
import type { PipelineVolume, StepRecord } from './volume';

/** One preprocessing step. `apply` returns a new volume and any step-specific record fields. */
export interface Step {
  readonly name: string;
  apply(v: PipelineVolume): { volume: PipelineVolume; record?: Record<string, unknown> };
}

/** Runs steps in order, appending a StepRecord per step to `volume.record`. */
export function compose(steps: readonly Step[]): (v: PipelineVolume) => PipelineVolume {
  return (input) => {
    let v = input;
    for (const step of steps) {
      const t0 = performance.now();
      let out: ReturnType<Step['apply']>;
      try {
        out = step.apply(v);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new PreprocessError('STEP_FAILED', `step '${step.name}' failed on a volume of shape [${v.shape.join(', ')}]: ${msg}`, {
          cause: e,
          details: { step: step.name, shape: v.shape },
        });
      }
      const rec: StepRecord = {
        step: step.name,
        ms: Math.round((performance.now() - t0) * 10) / 10,
        shapeIn: v.shape,
        shapeOut: out.volume.shape,
        spacingIn: v.spacing,
        spacingOut: out.volume.spacing,
        ...out.record,
      };
      v = { ...out.volume, record: [...v.record, rec] };
    }
    return v;
  };
}
