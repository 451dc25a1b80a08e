//! Asking the processor for memory that will be read soon, where reads
//! come in an order it cannot guess (rows gathered by key), or where it
//! did not fetch far enough ahead of a plain walk (a profile's passes,
//! BENCHMARKS.md).

/// Asks for the cache line at `at`. A hint: it reads nothing and cannot
/// fault.
#[inline]
pub(crate) fn line<T>(at: &T) {
    address((at as *const T).cast());
}

/// Asks for the lines that `part`'s bytes would cover `ahead` bytes
/// further on: a walk's next values, which may lie past its allocation.
#[inline(always)]
pub(crate) fn ahead_of<T>(part: &[T], ahead: usize) {
    let from = part.as_ptr().cast::<u8>().wrapping_add(ahead);
    for l in 0..size_of_val(part).div_ceil(64) {
        address(from.wrapping_add(l * 64));
    }
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
