//! Shared fixtures for the criterion benchmarks of `mvn-orthant` and `exact-loss`.
