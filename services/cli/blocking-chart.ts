import type { BlockingReport } from '../shared/linkage/blocking-report.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Splink's cumulative comparisons chart as a small SVG: one bar per blocking rule, in the order
 * the settings list them, as long as the pairs of the rules up to it; the part the rule adds is
 * dark. A rule whose dark part is long and that reaches few true pairs is the one to tighten.
 */
export function cumulativeComparisonsSvg(report: BlockingReport): string {
  const row = 26;
  const left = 230;
  const width = 760;
  const top = 34;
  const height = top + report.rules.length * row + 24;
  const max = Math.max(1, ...report.rules.map((r) => r.cumulative));
  const x = (n: number) => (n / max) * (width - left - 120);
  const bars = report.rules.map((rule, i) => {
    const y = top + i * row;
    const before = rule.cumulative - rule.added;
    const reached = rule.truePairsAdded === null ? '' : `, ${rule.truePairsAdded.toLocaleString('en')} true`;
    return [
      `<text x="${left - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="#1d2530">${escape(rule.rule)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${x(before).toFixed(1)}" height="${row - 8}" fill="#b6d4f5"/>`,
      `<rect x="${(left + x(before)).toFixed(1)}" y="${y + 3}" width="${x(rule.added).toFixed(1)}" height="${row - 8}" fill="#0969da"/>`,
      `<text x="${(left + x(rule.cumulative) + 6).toFixed(1)}" y="${y + 15}" font-size="11" fill="#6b7685">${rule.cumulative.toLocaleString('en')} (+${rule.added.toLocaleString('en')}${reached})</text>`,
    ].join('');
  });
  const title = `Cumulative comparisons by blocking rule: ${report.records.toLocaleString('en')} records × ${report.citizens.toLocaleString('en')} citizens`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="20" font-size="13" fill="#1d2530">${escape(title)}</text>
${bars.join('\n')}
</svg>
`;
}
