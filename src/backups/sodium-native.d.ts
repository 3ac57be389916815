/** The one libsodium call Upkeep uses (sodium-native ships no type declarations). */
declare module 'sodium-native' {
  /** Poly1305 of `input` under the 32-byte one-time key `k` (r || s), written into the 16-byte `out`. */
  export function crypto_onetimeauth(out: Uint8Array, input: Uint8Array, k: Uint8Array): void;
}
