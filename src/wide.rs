//! Loops built for the vector instructions the processor running them has,
//! chosen at run time: the crate is built for x86-64's baseline (SSE2),
//! which has no 64-bit shift or comparison by the vector, so that a loop
//! over 64-bit keys ran a value at a time (BENCHMARKS.md, twenty-eighth
//! session). [`by_width!`] builds one `#[inline(always)]` function's body
//! for AVX-512, for AVX2 and for the baseline, and picks one by a [`Wide`].

/// Which instructions loops are built for, as the processor has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wide {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Wide {
    /// The widest the processor has (std caches what it detects).
    pub fn here() -> Wide {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("avx2") {
                return Wide::Avx512;
            }
            if has!("avx2") {
                return Wide::Avx2;
            }
        }
        Wide::Baseline
    }

    /// Every width the processor has, narrowest first (for tests that
    /// hold each to the baseline).
    pub fn all_here() -> Vec<Wide> {
        let mut all = vec![Wide::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Wide::Avx2);
            }
            if Wide::here() == Wide::Avx512 {
                all.push(Wide::Avx512);
            }
        }
        all
    }
}

/// `fn NAME<GENERICS>(wide: Wide, ARGS) -> OUT = BODY<PARAMS>;` defines
/// `NAME`, which runs `BODY` (an `#[inline(always)]` function of `ARGS`)
/// built for the instructions `wide` names. `wide` must be one the
/// processor has ([`Wide::here`], [`Wide::all_here`]). Each width's build
/// is a function of the arguments themselves (passed in registers: a
/// struct of them, passed by reference, cost 3% on a call per 64 keys).
macro_rules! by_width {
    (
        $(#[$doc:meta])*
        fn $name:ident[$($decl:tt)*](wide: Wide, $($a:ident: $t:ty),* $(,)?) -> $out:ty
            = $body:ident[$($use:tt)*];
    ) => {
        $(#[$doc])*
        #[inline(always)]
        fn $name<$($decl)*>(wide: $crate::wide::Wide, $($a: $t),*) -> $out {
            match wide {
                #[cfg(target_arch = "x86_64")]
                $crate::wide::Wide::Avx512 => {
                    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
                    fn avx512<$($decl)*>($($a: $t),*) -> $out {
                        $body::<$($use)*>($($a),*)
                    }
                    // SAFETY: `Wide::Avx512` is made only where the
                    // processor has these features (`Wide::here`).
                    unsafe { avx512::<$($use)*>($($a),*) }
                }
                #[cfg(target_arch = "x86_64")]
                $crate::wide::Wide::Avx2 => {
                    #[target_feature(enable = "avx2")]
                    fn avx2<$($decl)*>($($a: $t),*) -> $out {
                        $body::<$($use)*>($($a),*)
                    }
                    // SAFETY: as above, for AVX2.
                    unsafe { avx2::<$($use)*>($($a),*) }
                }
                $crate::wide::Wide::Baseline => $body::<$($use)*>($($a),*),
            }
        }
    };
}
pub(crate) use by_width;
