use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, Problem};
#[test] fn probe() {
    for nu in [0.5, 1.0, 2.5, 30.0] {
        let p = Problem::new(vec![0.0; 3], Covariance::equicorrelated(3, 0.4).unwrap(), vec![-1.0, 0.0, -2.0], vec![1.0, 2.0, 1.5]).unwrap();
        let e = student_t::integrate(&StudentProblem::new(p, nu).unwrap()).unwrap();
        println!("nu {nu}: {:?} {:?} evals {}", e.value, e.log_value, e.evaluations);
        for t in [-100.0f64, -30.0, -10.0, -3.0, -1.0, 0.0, 1.0, 2.0] {
            let s = t.exp();
            let v = mvn_orthant::exact::trivariate::log_box_probability([0.0;3], [[1.0,0.4,0.4],[0.4,1.0,0.4],[0.4,0.4,1.0]], [-s, 0.0, -2.0*s], [s, 2.0*s, 1.5*s]);
            print!(" {t}:{v:.6}");
        }
        println!();
    }
}
