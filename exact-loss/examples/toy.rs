//! The toy problem of the EXACT paper (issue 6, item 5): five 1-D points, logits [0, x − b],
//! only the bias b trained. EXACT with σ annealed from 100 reaches 80% accuracy; the
//! cross-entropy and hinge optima reach 60%.
//!
//! Run: `cargo run --release -p exact-loss --example toy`

use exact_loss::toy::{accuracy, cross_entropy_optimum, hinge_optimum, train_exact_bias};

fn main() {
    let b = train_exact_bias();
    println!("EXACT: b = {b:.4}, accuracy {:.0}%", 100.0 * accuracy(b));
    let ce = cross_entropy_optimum();
    println!("cross-entropy optimum: b = {ce:.4}, accuracy {:.0}%", 100.0 * accuracy(ce));
    let h = hinge_optimum();
    println!("hinge optimum: b = {h:.4}, accuracy {:.0}%", 100.0 * accuracy(h));
}
