/// jemalloc, keeping the memory it frees for the allocations that follow
/// instead of returning it to the system: a comparison allocates and frees
/// column-sized buffers (tens of MB) over and over, and with glibc every one
/// of them was mapped anew, the kernel zeroing each page on first touch
/// (BENCHMARKS.md: on the shuffled 10M-row pair, 1.2M page faults and a
/// third of the CPU time). One arena, so that what one thread frees another
/// reuses; `oversize_threshold:0` keeps large buffers in that arena rather
/// than in one that returns them at once. `thp:always` asks the kernel for
/// transparent huge pages for that memory (granted on request where THP is
/// `madvise`, as on Ubuntu; where it is `always` they come anyway; where
/// `never`, the request does nothing): gathering rows into
/// pair order reads columns of hundreds of MB at random, and with 4 KB
/// pages nearly every read also waited on a page walk (BENCHMARKS.md: the
/// shuffled 10M-row pair 11% faster, the key-ordered one 12%; 3–7% more
/// peak memory).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[allow(non_upper_case_globals, reason = "the symbol jemalloc reads")]
#[unsafe(export_name = "_rjem_malloc_conf")]
static malloc_conf: &[u8; 78] =
    b"narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1,oversize_threshold:0,thp:always\0";

fn main() -> std::process::ExitCode {
    swimlane::cli::main()
}
