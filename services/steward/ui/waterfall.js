// @ts-check
import { h, svg } from './dom.js';
import { levelSentence, t, valueLabel } from './i18n.js';

const ROW = 24;
const LABEL = 210;
const WIDTH = 720;
const VALUE = 60;

/**
 * The explanation as a waterfall: the prior, then each comparison moving the match weight up
 * (agreement) or down (disagreement), then the total. Only renders the stored explanation.
 */
/** @typedef {{ label: string, from: number, to: number, kind: 'prior' | 'up' | 'down' | 'total', title?: string }} Step */

/** @param {import('./api.js').LinkExplanation} explanation */
export function waterfall(explanation) {
  /** @type {Step[]} */
  const steps = [{ label: t('prior'), from: 0, to: explanation.prior, kind: 'prior' }];
  let running = explanation.prior;
  for (const c of explanation.comparisons) {
    steps.push({
      label: valueLabel('comparisons', c.comparison),
      from: running,
      to: running + c.weight,
      kind: c.weight >= 0 ? 'up' : 'down',
      title: levelSentence(c),
    });
    running += c.weight;
  }
  steps.push({ label: t('total_weight'), from: 0, to: explanation.total, kind: 'total' });
  const values = steps.flatMap((s) => [s.from, s.to]);
  const [low, high] = [Math.min(0, ...values), Math.max(0, ...values)];
  const span = high - low || 1;
  const plot = WIDTH - LABEL - VALUE;
  const x = (/** @type {number} */ v) => LABEL + ((v - low) / span) * plot;
  const height = steps.length * ROW + 8;
  return h(
    'div',
    { className: 'waterfall', id: 'waterfall' },
    svg(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', role: 'img', 'aria-label': t('waterfallLabel') },
      svg('line', { x1: x(0), x2: x(0), y1: 0, y2: height, class: 'zero' }),
      steps.map((s, i) => {
        const y = i * ROW + 4;
        const [left, right] = [Math.min(x(s.from), x(s.to)), Math.max(x(s.from), x(s.to))];
        const delta = s.kind === 'total' || s.kind === 'prior' ? s.to : s.to - s.from;
        return svg(
          'g',
          { class: `step ${s.kind}` },
          svg('title', {}, s.title ?? s.label),
          svg('text', { x: LABEL - 6, y: y + 15, 'text-anchor': 'end' }, s.label),
          svg('rect', { x: left, y, width: Math.max(1.5, right - left), height: ROW - 6, rx: 2 }),
          svg('text', { x: WIDTH - 4, y: y + 15, 'text-anchor': 'end', class: 'value' }, `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`),
        );
      }),
    ),
  );
}
