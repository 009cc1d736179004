// Public API of the queue feature, re-exported by index.ts. OWNED BY THE QUEUE WORK.
export {};
