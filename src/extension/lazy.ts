// Feature code (the matrix runner, the package builder) is required on first use, not at activation: esbuild wraps
// a require()d module in a lazy initializer, so it is neither evaluated nor fully compiled until then.
export const matrix = () => require('../core/matrix') as typeof import('../core/matrix');
export const packages = () => require('../core/packages') as typeof import('../core/packages');
