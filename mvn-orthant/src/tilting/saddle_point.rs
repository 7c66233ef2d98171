//! Botev's minimax tilt: the saddle point ∇ψ = 0 of ψ(x, μ), the log-likelihood ratio of the
//! tilted sampler at a path x, solved by Newton's method (see "The minimax tilt" in the docs of
//! [`crate::tilting`]).

use super::TiltedPath;
use crate::linalg::solve_in_place;
use crate::normal::log_interval_probability_with_width;
use crate::truncated;

/// The tilt: μ for the first r − 1 steps, the path x*, and ψ*.
#[derive(Debug, Clone)]
pub(super) struct Tilt {
    pub(super) mu: Vec<f64>,
    pub(super) log_bound: f64,
    pub(super) converged: bool,
}

impl TiltedPath<'_> {
    /// ψ(x, μ) and the gradient/Hessian pieces: returns (ψ, m, D) with m_k the truncated means
    /// and D_k = v_k − 1, for all r steps (μ_{r−1} = 0).
    fn psi(&self, x: &[f64], mu: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let r = self.rank;
        let mut psi = 0.0;
        let mut m = vec![0.0; r];
        let mut d = vec![0.0; r];
        for k in 0..r {
            let tilt = if k + 1 < r { mu[k] } else { 0.0 };
            let (lo, hi, _, width) = self.primary(k, x);
            let (alpha, beta) = (lo - tilt, hi - tilt);
            psi += log_interval_probability_with_width(alpha, beta, width);
            if k + 1 < r {
                psi += tilt * (0.5 * tilt - x[k]);
            }
            let (mean, variance) = truncated::mean_and_variance(alpha, beta);
            m[k] = mean;
            d[k] = variance - 1.0;
        }
        (psi, m, d)
    }

    /// ∇ψ in the unknowns (x_0..x_{n−1}, μ_0..μ_{n−1}), n = r − 1.
    fn gradient(&self, x: &[f64], mu: &[f64], m: &[f64]) -> Vec<f64> {
        let n = self.rank - 1;
        let mut g = vec![0.0; 2 * n];
        for j in 0..n {
            g[n + j] = mu[j] - x[j] + m[j];
            g[j] = -mu[j];
        }
        for k in 1..self.rank {
            let (_, _, coefficients, _) = self.primary(k, x);
            for (j, &l) in coefficients.iter().enumerate() {
                g[j] += l * m[k];
            }
        }
        g
    }

    /// The Hessian of ψ (row-major 2n × 2n).
    fn hessian(&self, x: &[f64], d: &[f64]) -> Vec<f64> {
        let n = self.rank - 1;
        let size = 2 * n;
        let mut h = vec![0.0; size * size];
        for k in 0..self.rank {
            let (_, _, l, _) = self.primary(k, x);
            // x–x block: Σ_k D_k L_kj L_ki over j, i < k.
            for (i, &li) in l.iter().enumerate() {
                for (j, &lj) in l.iter().enumerate() {
                    h[i * size + j] += d[k] * li * lj;
                }
            }
            if k < n {
                // x–μ blocks: ∂(∂ψ/∂x_j)/∂μ_k = L_kj D_k for j < k.
                for (j, &lj) in l.iter().enumerate() {
                    h[j * size + n + k] += lj * d[k];
                    h[(n + k) * size + j] += lj * d[k];
                }
                h[k * size + n + k] -= 1.0;
                h[(n + k) * size + k] -= 1.0;
                h[(n + k) * size + n + k] += 1.0 + d[k];
            }
        }
        h
    }

    /// Solves ∇ψ = 0 by Newton's method with backtracking on |∇ψ|².
    pub(super) fn saddle_point(&self) -> Tilt {
        let n = self.rank - 1;
        // Start: the Gibson–Glasbey–Elston path with μ = 0.
        let mut x = vec![0.0; self.rank];
        for k in 0..n {
            let (lo, hi, _, _) = self.primary(k, &x);
            x[k] = truncated::mean_and_variance(lo, hi).0;
        }
        let mut mu = vec![0.0; n];
        let (mut psi, mut m, mut d) = self.psi(&x, &mu);
        if !psi.is_finite() {
            // The start path leaves the primary constraints (possible for semidefinite problems):
            // no tilt; the sampler is then the plain separation of variables, still unbiased.
            return Tilt { mu, log_bound: f64::NAN, converged: false };
        }
        let mut g = self.gradient(&x, &mu, &m);
        let norm = |g: &[f64]| g.iter().map(|v| v * v).sum::<f64>();
        let mut converged = n == 0;
        for _ in 0..100 {
            let current = norm(&g);
            if current.sqrt() <= 1e-10 * (1.0 + psi.abs().sqrt()) {
                converged = true;
                break;
            }
            let mut h = self.hessian(&x, &d);
            let mut step: Vec<f64> = g.iter().map(|v| -v).collect();
            if !solve_in_place(&mut h, &mut step, 2 * n) {
                break;
            }
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..40 {
                let trial_x: Vec<f64> =
                    (0..self.rank).map(|i| if i < n { x[i] + t * step[i] } else { x[i] }).collect();
                let trial_mu: Vec<f64> = (0..n).map(|i| mu[i] + t * step[n + i]).collect();
                let (p, tm, td) = self.psi(&trial_x, &trial_mu);
                if p.is_finite() {
                    let tg = self.gradient(&trial_x, &trial_mu, &tm);
                    let tn = norm(&tg);
                    if tn.is_finite() && tn < current * (1.0 - 1e-4 * t) {
                        x = trial_x;
                        mu = trial_mu;
                        psi = p;
                        m = tm;
                        d = td;
                        g = tg;
                        accepted = true;
                        break;
                    }
                }
                t *= 0.5;
            }
            if !accepted {
                // No decrease along the Newton direction: accept the point if it is already
                // stationary to working precision.
                converged = norm(&g).sqrt() <= 1e-7 * (1.0 + psi.abs().sqrt());
                break;
            }
        }
        let _ = &m;
        Tilt { mu, log_bound: psi, converged }
    }
}
