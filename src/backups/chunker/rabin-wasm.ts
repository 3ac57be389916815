// Generated from rabin.wat by chunker.test.ts (npx vitest run src/backups/chunker -u); do not edit.
export const rabinWasm = Buffer.from(
  'AGFzbQEAAAABCQFgBH9/f34BfwMCAQAFAwEAAQYGAX4BQgALBxoDBm1lbW9yeQIABmRpZ2VzdAMABHNjYW4AAApuAWwBAX4jACEEAkADQCAAIAFPDQEgBCAAQcAAay0AAEEDdCkDAIUhBCAEQgiGIAAtAACthCAEIAOIp0EDdCkDgBCFIQQgAEEBaiEAIARC//8/g0IAUg0AIAAgAkkNACAEJAAgAA8LCyAEJABBfws=',
  'base64',
);
