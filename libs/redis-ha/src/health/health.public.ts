// Public API of the health feature, re-exported by index.ts. OWNED BY THE HEALTH WORK.
export {};
