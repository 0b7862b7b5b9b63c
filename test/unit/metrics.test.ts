import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../services/shared/observability/metrics.js';

describe('metrics passed in', () => {
  it('keeps what one set counts out of another set made in the same process', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.eventsIn.inc({ stage: 'ingest', source: 'vaccination' });
    const counted = async (metrics: typeof first) => (await metrics.eventsIn.get()).values.reduce((sum, value) => sum + value.value, 0);
    expect([await counted(first), await counted(second)]).toEqual([1, 0]);
  });

  it('serves the names the alerts and the dashboard read from its registry', async () => {
    const metrics = createMetrics();
    metrics.deadLetters.inc({ stage: 'ingest', reason: 'PID_FORMAT' });
    expect(await metrics.registry.metrics()).toMatch(/^dancu_dead_letters_total\{stage="ingest",reason="PID_FORMAT"\} 1$/m);
  });
});
