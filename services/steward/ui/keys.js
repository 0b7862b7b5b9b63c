// @ts-check
// One page's keyboard shortcuts at a time; typing in a field never triggers them.
/** @typedef {(key: string, event: KeyboardEvent) => boolean} ShortcutHandler */

/** @type {ShortcutHandler | null} */
let handler = null;

/** @param {ShortcutHandler | null} next */
export function setShortcuts(next) {
  handler = next;
}

document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLElement && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT' || target.tagName === 'SELECT')) {
    if (event.key === 'Escape') target.blur();
    return;
  }
  if (handler?.(event.key.toLowerCase(), event)) event.preventDefault();
});
