// @ts-check
// The latest bulk decisions, each with how far the store has applied it and its one undo.
import { api } from './api.js';
import { batchSummary } from './bulk-panel.js';
import { h } from './dom.js';
import { t } from './i18n.js';

/** @param {HTMLElement} main */
export async function renderBatches(main) {
  const { batches } = await api.batches();
  main.replaceChildren(
    h('h1', {}, t('batchesTitle')),
    batches.length === 0
      ? h('p', { id: 'no-batches' }, t('noBatches'))
      : h(
          'div',
          { id: 'batches' },
          batches.map((batch) => batchSummary(batch, () => void renderBatches(main))),
        ),
  );
}
