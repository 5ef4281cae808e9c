//! A hash map keyed by `u128`, shared by the Fisher network algorithm and
//! the Kaplan–Meier quantiles. Hand-written: std's default SipHash is slow
//! for these keys and a second hash-map instance costs the app's module
//! bytes; a one-function hasher needs no crate.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for u128 keys (splitmix64 finaliser of the two halves).
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u128(&mut self, v: u128) {
        let mut x = (v as u64) ^ ((v >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 30;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        self.0 = x;
    }
}

/// A hash map of u128 keys: the nodes of Fisher's network algorithm, the
/// seen values of the Kaplan–Meier quantiles (one map instance, and no
/// SipHash, in the app).
pub type KeyMap = HashMap<u128, usize, BuildHasherDefault<KeyHasher>>;
