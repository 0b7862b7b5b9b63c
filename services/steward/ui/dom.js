// @ts-check
import { t } from './i18n.js';
// DOM built from data with textContent only: record values come from the sectors and are never parsed as HTML.

/** @typedef {Node | string | number | boolean | null | undefined} Child */
/** @typedef {string | number | boolean | null | undefined | ((event: never) => unknown)} AttributeValue */

/**
 * An element: `on…` attributes are listeners, `className` the class, `true` an empty attribute, and
 * null, undefined and false attributes or children are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attributes]
 * @param {(Child | Child[])[]} children (one level of arrays is flattened)
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (name === 'className') element.className = /** @type {string} */ (value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * A table's head row: an optional first cell (a checkbox), then a header cell per label.
 * @param {string[]} labels
 * @param {Child} [first]
 */
export function headRow(labels, first = null) {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      first === null ? null : h('th', {}, first),
      labels.map((label) => h('th', {}, label)),
    ),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {(Child | Child[])[]} children (one level of arrays is flattened)
 * @returns {SVGElement}
 */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** @param {number} seconds */
export function ageText(seconds) {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} ${t('minutes')}`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} ${t('hours')}`;
  return `${Math.round(seconds / 86400)} ${t('days')}`;
}

/** @param {number} probability */
export function percent(probability) {
  return `${(probability * 100).toFixed(probability >= 0.999 || probability < 0.001 ? 2 : 1)}%`;
}
