;; The Rabin fingerprint's inner loop (restic's chunker), compiled to rabin-wasm.ts. JavaScript has no
;; 64-bit integers that are fast, and this loop touches every byte a backup reads.
;;
;; Memory: bytes 0..2047 hold out[256] (u64: the fingerprint of a byte followed by 63 zero bytes),
;; 2048..4095 hold mod[256] (u64: reduces the 8 bits a shift pushes above the polynomial's degree).
;; The bytes to scan are copied in just after the 64 bytes of the sliding window, so the byte that
;; leaves the window is always the one 64 bytes before.
(module
  (memory (export "memory") 1)
  ;; The running fingerprint, kept between calls.
  (global $digest (export "digest") (mut i64) (i64.const 0))
  ;; Scans [p, end); returns the index just after the first cut, or -1. A cut is where the low 20 bits
  ;; of the fingerprint are zero, at an index no lower than minAt - 1. shift = degree - 8.
  (func (export "scan") (param $p i32) (param $end i32) (param $minAt i32) (param $shift i64) (result i32)
    (local $d i64)
    (local.set $d (global.get $digest))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; d ^= out[mem[p - 64]]
        (local.set $d
          (i64.xor (local.get $d)
            (i64.load (i32.shl (i32.load8_u (i32.sub (local.get $p) (i32.const 64))) (i32.const 3)))))
        ;; d = ((d << 8) | mem[p]) ^ mod[d >> shift]
        (local.set $d
          (i64.xor
            (i64.or (i64.shl (local.get $d) (i64.const 8)) (i64.extend_i32_u (i32.load8_u (local.get $p))))
            (i64.load offset=2048 (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $d) (local.get $shift))) (i32.const 3)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $next (i64.ne (i64.and (local.get $d) (i64.const 0xfffff)) (i64.const 0)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $minAt)))
        (global.set $digest (local.get $d))
        (return (local.get $p))))
    (global.set $digest (local.get $d))
    (i32.const -1)))
