//! Spark's row hashes, bit for bit: `xxhash64(cols...)` (XXH64, seed 42)
//! and `hash(cols...)` (Murmur3 x86_32, seed 42). Each non-null value is
//! hashed with the previous value's hash as its seed; a null leaves the
//! seed as it is. Values are hashed as Spark hashes its types: booleans,
//! bytes, shorts, ints and dates as a 4-byte int; longs and timestamps
//! (microseconds) as an 8-byte long; floats and doubles by their bits
//! (-0.0 as 0); decimals of up to 18 digits by their unscaled long, wider
//! ones by the big-endian two's-complement bytes of the unscaled value;
//! strings by their UTF-8 bytes and binaries by their bytes. `hash` keeps
//! Spark's legacy handling of a byte string's last 1-3 bytes (each mixed as
//! a sign-extended int of its own), which the standard Murmur3 does not.
//!
//! Written from the two algorithms' published definitions and Spark's
//! documented semantics; checked against Spark's documentation vectors
//! (unit tests) and against a live Spark Connect server over thousands of
//! values of every key type (`tests/it/spark.rs`). No crate reproduces
//! Spark's variants (the legacy tail, the int and long shortcuts).

/// The seed Spark's `hash` and `xxhash64` start from.
pub const SPARK_SEED: i64 = 42;

/// One value of a key column, as Spark hashes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    /// Booleans (1/0), bytes, shorts, ints, dates (days).
    Int(i32),
    /// Longs, timestamps (microseconds).
    Long(i64),
    Float(f32),
    Double(f64),
    /// The unscaled value and the type's precision.
    Decimal(i128, u8),
    /// UTF-8 strings, binaries.
    Bytes(&'a [u8]),
}

/// Which of Spark's functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparkHash {
    /// `xxhash64(...)`: a 64-bit hash.
    Xxhash64,
    /// `hash(...)`: Murmur3, a 32-bit hash (widened to i64 here).
    Murmur3,
}

impl SparkHash {
    /// The Spark SQL function's name.
    pub fn sql_name(self) -> &'static str {
        match self {
            SparkHash::Xxhash64 => "xxhash64",
            SparkHash::Murmur3 => "hash",
        }
    }

    /// Hashes `value` with `seed` (the previous column's hash).
    pub fn value(self, value: Value<'_>, seed: i64) -> i64 {
        match self {
            SparkHash::Xxhash64 => hash_value(&XXH64, value, seed),
            SparkHash::Murmur3 => hash_value(&MURMUR3, value, seed),
        }
    }

    /// The hash of a row's key values, as Spark's function of them.
    pub fn row(self, values: &[Value<'_>]) -> i64 {
        values
            .iter()
            .fold(SPARK_SEED, |seed, &v| self.value(v, seed))
    }
}

/// The non-negative remainder, as Spark's `pmod`.
pub fn pmod(h: i64, m: i64) -> i64 {
    h.rem_euclid(m)
}

/// A float as Spark canonicalizes it before hashing: -0.0 as 0, NaN as
/// Java's one NaN.
fn float_bits(f: f32) -> i32 {
    if f == 0.0 {
        0
    } else if f.is_nan() {
        0x7fc0_0000
    } else {
        f.to_bits() as i32
    }
}

fn double_bits(d: f64) -> i64 {
    if d == 0.0 {
        0
    } else if d.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        d.to_bits() as i64
    }
}

/// The minimal big-endian two's-complement bytes of `v` (Java's
/// `BigInteger.toByteArray`).
fn big_endian_bytes(v: i128) -> Vec<u8> {
    let all = v.to_be_bytes();
    let mut start = 0;
    // Drop a leading byte while the next one still carries the sign.
    while start < all.len() - 1 {
        let (b, next) = (all[start], all[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    all[start..].to_vec()
}

/// The longest a decimal's unscaled value is hashed as a long.
const MAX_LONG_DIGITS: u8 = 18;

/// The three ways a value reaches a hash function: as a 4-byte int, an
/// 8-byte long or bytes; each seeded with the previous hash.
struct Primitives {
    int: fn(i32, i64) -> i64,
    long: fn(i64, i64) -> i64,
    bytes: fn(&[u8], i64) -> i64,
}

const XXH64: Primitives = Primitives {
    int: xx_int,
    long: xx_long,
    bytes: xx_bytes,
};

/// Murmur3's seed and result are 32-bit: carried in an i64.
const MURMUR3: Primitives = Primitives {
    int: |i, seed| i64::from(mm_int(i, seed as i32)),
    long: |l, seed| i64::from(mm_long(l, seed as i32)),
    bytes: |b, seed| i64::from(mm_bytes(b, seed as i32)),
};

/// `value` as Spark hashes its type, with `f`'s primitives.
fn hash_value(f: &Primitives, value: Value<'_>, seed: i64) -> i64 {
    match value {
        Value::Null => seed,
        Value::Int(i) => (f.int)(i, seed),
        Value::Long(l) => (f.long)(l, seed),
        Value::Float(x) => (f.int)(float_bits(x), seed),
        Value::Double(d) => (f.long)(double_bits(d), seed),
        Value::Decimal(u, p) if p <= MAX_LONG_DIGITS => (f.long)(u as i64, seed),
        Value::Decimal(u, _) => (f.bytes)(&big_endian_bytes(u), seed),
        Value::Bytes(b) => (f.bytes)(b, seed),
    }
}

// ---- XXH64 -----------------------------------------------------------

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn xx_avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

fn xx_round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn xx_merge(h: u64, acc: u64) -> u64 {
    (h ^ xx_round(0, acc)).wrapping_mul(P1).wrapping_add(P4)
}

/// An int as XXH64 hashes a 4-byte input.
fn xx_int(i: i32, seed: i64) -> i64 {
    let mut h = (seed as u64).wrapping_add(P5).wrapping_add(4);
    h ^= u64::from(i as u32).wrapping_mul(P1);
    h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
    xx_avalanche(h) as i64
}

/// A long as XXH64 hashes an 8-byte input.
fn xx_long(l: i64, seed: i64) -> i64 {
    let mut h = (seed as u64).wrapping_add(P5).wrapping_add(8);
    h ^= xx_round(0, l as u64);
    h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
    xx_avalanche(h) as i64
}

/// XXH64 of a byte string (little-endian lanes).
fn xx_bytes(b: &[u8], seed: i64) -> i64 {
    let seed = seed as u64;
    let n = b.len();
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let mut i = 0;
    let mut h = if n >= 32 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while i + 32 <= n {
            for (k, acc) in v.iter_mut().enumerate() {
                *acc = xx_round(*acc, u64_at(i + 8 * k));
            }
            i += 32;
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for acc in v {
            h = xx_merge(h, acc);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(n as u64);
    while i + 8 <= n {
        h ^= xx_round(0, u64_at(i));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        i += 8;
    }
    if i + 4 <= n {
        let w = u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        h ^= u64::from(w).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        i += 4;
    }
    while i < n {
        h ^= u64::from(b[i]).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
        i += 1;
    }
    xx_avalanche(h) as i64
}

// ---- Murmur3 x86_32 ----------------------------------------------------

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

fn mm_k1(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

fn mm_h1(h: u32, k: u32) -> u32 {
    (h ^ k)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn mm_fmix(mut h: u32, len: u32) -> u32 {
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

fn mm_int(i: i32, seed: i32) -> i32 {
    mm_fmix(mm_h1(seed as u32, mm_k1(i as u32)), 4) as i32
}

fn mm_long(l: i64, seed: i32) -> i32 {
    let h = mm_h1(seed as u32, mm_k1(l as u32));
    let h = mm_h1(h, mm_k1((l >> 32) as u32));
    mm_fmix(h, 8) as i32
}

/// Spark's legacy byte hashing: whole 4-byte little-endian words, then
/// each remaining byte mixed on its own as a sign-extended int.
fn mm_bytes(b: &[u8], seed: i32) -> i32 {
    let mut h = seed as u32;
    let aligned = b.len() - b.len() % 4;
    for w in b[..aligned].chunks_exact(4) {
        let word = u32::from_le_bytes(w.try_into().expect("4 bytes"));
        h = mm_h1(h, mm_k1(word));
    }
    for &byte in &b[aligned..] {
        h = mm_h1(h, mm_k1(i32::from(byte as i8) as u32));
    }
    mm_fmix(h, b.len() as u32) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vectors_of_sparks_documentation() {
        let hash = SparkHash::Murmur3;
        assert_eq!(hash.row(&[Value::Int(0)]), 933211791);
        assert_eq!(hash.row(&[Value::Int(4)]), -397064898);
        // hash('Spark', array(123), 2): the array's one element chains
        // like a column of its own.
        let row = [Value::Bytes(b"Spark"), Value::Int(123), Value::Int(2)];
        assert_eq!(hash.row(&row), -1321691492);
        assert_eq!(SparkHash::Xxhash64.row(&row), 5602566077635097486);
    }

    #[test]
    fn nulls_leave_the_seed_and_pmod_is_never_negative() {
        for f in [SparkHash::Xxhash64, SparkHash::Murmur3] {
            assert_eq!(f.row(&[Value::Null]), SPARK_SEED);
            assert_eq!(
                f.row(&[Value::Null, Value::Long(7)]),
                f.row(&[Value::Long(7)])
            );
            assert_eq!(f.row(&[Value::Double(-0.0)]), f.row(&[Value::Double(0.0)]));
        }
        assert_eq!(pmod(-3, 10_000), 9_997);
    }

    #[test]
    fn decimals_bytes_are_javas_minimal_twos_complement() {
        assert_eq!(big_endian_bytes(0), [0]);
        assert_eq!(big_endian_bytes(127), [0x7f]);
        assert_eq!(big_endian_bytes(128), [0x00, 0x80]);
        assert_eq!(big_endian_bytes(-1), [0xff]);
        assert_eq!(big_endian_bytes(-129), [0xff, 0x7f]);
    }
}
