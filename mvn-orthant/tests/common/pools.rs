//! The thread-count check of the value-stability tests (also compiled into
//! `exact-loss/tests/value_stability.rs` by `#[path]`, so it needs nothing but rayon).

/// Runs `f` in a one-thread and a four-thread pool and checks that both give the same bits
/// (same seed, same bits, whatever the number of threads); returns the result.
pub fn in_pools<T: PartialEq + std::fmt::Debug + Send>(f: impl Fn() -> T + Sync) -> T {
    let pool = |threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let one = pool(1).install(&f);
    let four = pool(4).install(&f);
    assert_eq!(one, four, "one thread and four threads differ");
    one
}
