import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../services/shared/observability/metrics.js';
import { REPO_ROOT } from '../../services/shared/paths.js';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const alerts = parse(readFileSync(join(REPO_ROOT, 'docs', 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] };
const rules = alerts.groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
const exported = new Set(
  createMetrics()
    .registry.getMetricsAsArray()
    .map((metric) => metric.name),
);
// Names Prometheus itself or Node's default process metrics provide.
const external = new Set(['up', 'process_cpu_seconds_total']);

/** The metric names an expression reads (histogram series read through their base name). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:dancu|kafka|process)_[a-z_]+|up)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

describe('monitoring configuration for Prometheus and Grafana', () => {
  it('has the alerts the operators asked for: lag growing, dead-letter rate, review backlog age, a service not ready', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['DancuConsumerLagGrowing', 'DancuDeadLetterRate', 'DancuReviewBacklogOld', 'DancuServiceNotReady']),
    );
  });

  it('gives every alert a duration, a severity and a plain summary', () => {
    expect(
      rules.filter((rule) => !/^\d+[smh]$/.test(rule.for) || !['warning', 'critical'].includes(rule.labels.severity) || !rule.annotations.summary),
    ).toEqual([]);
  });

  it('waits 5 minutes of growing lag before alerting', () => {
    expect(rules.find((rule) => rule.alert === 'DancuConsumerLagGrowing')?.for).toBe('5m');
  });

  it('uses only metrics that dancu exports, in alerts and in the Grafana dashboard', () => {
    const used = [...rules.map((rule) => rule.expr), ...dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr))].flatMap(metricNames);
    expect([...new Set(used)].filter((name) => !exported.has(name) && !external.has(name))).toEqual([]);
  });
});
