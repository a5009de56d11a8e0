// Libraries the core loads on first use, not at load: the extension's activation is measured, and evaluating
// them (yaml ~10 ms) would be paid by every window, though most never need them. One place, so each is
// required the same way everywhere.

/** The yaml package, on first use. */
export function yaml(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  return require('yaml') as typeof import('yaml');
}
