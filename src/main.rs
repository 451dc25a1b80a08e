/// jemalloc, keeping the memory it frees for the allocations that follow
/// instead of returning it to the system: a comparison allocates and frees
/// column-sized buffers (tens of MB) over and over, and with glibc every one
/// of them was mapped anew, the kernel zeroing each page on first touch
/// (BENCHMARKS.md: on the shuffled 10M-row pair, 1.2M page faults and a
/// third of the CPU time). One arena, so that what one thread frees another
/// reuses; `oversize_threshold:0` keeps large buffers in that arena rather
/// than in one that returns them at once.
#[allow(non_upper_case_globals, reason = "the symbol jemalloc reads")]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &[u8; 67] =
    b"narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1,oversize_threshold:0\0";

/// jemalloc, and transparent huge pages asked for the buffers of a column
/// or more: gathering rows into pair order reads columns of hundreds of MB
/// at random, and with 4 KB pages nearly every read also waited on a page
/// walk. Only such buffers, so that a huge page is not taken for a few
/// small allocations (BENCHMARKS.md: asked for all of jemalloc's memory,
/// the peak grew by 3–7%).
struct Allocator;

static JEMALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Buffers of at least this many bytes ask for huge pages.
const HUGE_FROM: usize = 16 << 20;
/// A transparent huge page on x86-64 and aarch64 with 4 KB pages.
const HUGE_PAGE: usize = 2 << 20;

/// Asks Linux for huge pages for the whole huge pages inside `len` bytes
/// at `ptr` (granted on request where THP is `madvise`, as on Ubuntu; where
/// it is `always` they come anyway; where `never`, or where the call fails,
/// nothing changes: it is advice). Elsewhere, nothing.
fn ask_huge_pages(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
        let end = (ptr as usize + len) / HUGE_PAGE * HUGE_PAGE;
        if end > start {
            // SAFETY: the range lies inside an allocation just made; the
            // advice changes how its pages are backed, not their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}

/// `ptr`, a new allocation (or reallocation) of `size` bytes, with huge
/// pages asked for it when it is large.
fn advised(ptr: *mut u8, size: usize) -> *mut u8 {
    if size >= HUGE_FROM && !ptr.is_null() {
        ask_huge_pages(ptr, size);
    }
    ptr
}

// SAFETY: every call is jemalloc's; the advice leaves memory as it is.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        advised(unsafe { JEMALLOC.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        advised(unsafe { JEMALLOC.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { JEMALLOC.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        advised(unsafe { JEMALLOC.realloc(ptr, layout, new_size) }, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

fn main() -> std::process::ExitCode {
    swimlane::cli::main()
}
