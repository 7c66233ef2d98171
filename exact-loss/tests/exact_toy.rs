//! The toy example of issue 6 item 5 as a test.

use exact_loss::toy::{accuracy, cross_entropy_optimum, hinge_optimum, train_exact_bias};

#[test]
fn exact_reaches_80_percent_where_cross_entropy_and_hinge_reach_60() {
    let b = train_exact_bias();
    assert!(b > -6.0 && b < -5.0, "EXACT bias {b}");
    assert_eq!(accuracy(b), 0.8);
    let ce = cross_entropy_optimum();
    assert!((ce + 4.23).abs() < 0.01, "cross-entropy optimum {ce}");
    assert_eq!(accuracy(ce), 0.6);
    let h = hinge_optimum();
    assert_eq!(accuracy(h), 0.6, "hinge optimum {h}");
}
