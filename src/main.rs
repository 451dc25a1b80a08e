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

/// jemalloc, with no huge pages asked for. Asking for them
/// (`MADV_HUGEPAGE`) for buffers of 16 MB and more spared the gathers of
/// rows into pair order a page walk per read, but those gathers are gone
/// (columns are compared where they lie), and where THP is `madvise` the
/// kernel compacts memory to find each huge page while the program waits:
/// with the page cache holding most of memory, system time of a 10M-row
/// CSV compare was 4.2 s with them and 2.1 s without (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    // The decays above, held whatever the environment says (src/allocator.rs:
    // this returns only when nothing needed to change, or the program could
    // not be started again, and then runs as the environment asked).
    let _as_asked = swimlane::allocator::keep_freed_memory();
    swimlane::cli::main()
}
