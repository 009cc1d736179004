// Public API of the cache feature, re-exported by index.ts. OWNED BY THE CACHE WORK.
export {};
