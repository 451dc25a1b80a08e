//! Asking the processor for memory that will be read soon, where reads
//! come in an order it cannot guess (rows gathered by key), or where it
//! did not fetch far enough ahead of a plain walk (a profile's passes,
//! BENCHMARKS.md).

/// Asks for the cache line at `at`. A hint: it reads nothing and cannot
/// fault.
#[inline]
pub(crate) fn line<T>(at: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it does not access memory.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (at as *const T).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Asks for the cache line at `at`, which may lie past any allocation: a
/// hint that reads nothing and cannot fault.
#[inline]
pub(crate) fn address(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it does not access memory.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
