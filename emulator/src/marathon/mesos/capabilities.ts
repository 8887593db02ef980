// FrameworkInfo capabilities.

/** Marathon 1.7's FrameworkInfo capabilities for its --enable_features (Metronome, built on Marathon, registers the same). */
export function frameworkCapabilities(features: string[]): Array<{ type: string }> {
  const capabilities = [{ type: 'PARTITION_AWARE' }, { type: 'REGION_AWARE' }];
  if (features.includes('task_killing')) capabilities.push({ type: 'TASK_KILLING_STATE' });
  if (features.includes('gpu_resources')) capabilities.push({ type: 'GPU_RESOURCES' });
  return capabilities;
}
