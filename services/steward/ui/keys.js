// One page's keyboard shortcuts at a time; typing in a field never triggers them.
let handler = null;

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
