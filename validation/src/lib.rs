//! # validation
//!
//! Reference problems, property-test strategies, oracles and the integrator harness for
//! `mvn-orthant`, and the `orthant` command-line tool.
