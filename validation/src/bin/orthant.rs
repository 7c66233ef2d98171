//! The `orthant` command-line tool.
fn main() {
    println!("orthant: under construction");
}
