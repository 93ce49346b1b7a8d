import fc from 'fast-check';

// CI runs every property with one fixed seed, so a red build always reproduces and a
// green one is not luck; local runs draw fresh seeds and keep finding new cases (a
// failure prints its seed: rerun with FC_SEED=<seed>).
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261123' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
