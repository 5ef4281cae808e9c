//! Small dense linear algebra for the k − 1 dimensional systems of the
//! log-rank test and the Cox model (k = number of groups, rarely above 6).
//! Written by hand: a dependency such as nalgebra would weigh more in the
//! browser bundle than these forty lines.

/// A square matrix in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    n: usize,
    data: Vec<f64>,
}

impl Square {
    /// An n × n matrix of zeros.
    pub fn zeros(n: usize) -> Square {
        Square {
            n,
            data: vec![0.0; n * n],
        }
    }

    /// Dimension.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Entry (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n + j]
    }

    /// Mutable entry (i, j).
    pub fn at(&mut self, i: usize, j: usize) -> &mut f64 {
        &mut self.data[i * self.n + j]
    }

    /// The sub-matrix of the rows and columns in `keep`.
    pub fn select(&self, keep: &[usize]) -> Square {
        let mut out = Square::zeros(keep.len());
        for (a, &i) in keep.iter().enumerate() {
            for (b, &j) in keep.iter().enumerate() {
                *out.at(a, b) = self.get(i, j);
            }
        }
        out
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting (as
    /// LAPACK's `dgesv`, which R's `solve` calls); `None` when singular.
    pub fn solve(&self, b: &[f64]) -> Option<Vec<f64>> {
        let n = self.n;
        let mut a = self.data.clone();
        let mut x = b.to_vec();
        for col in 0..n {
            let pivot =
                (col..n).max_by(|&r, &s| a[r * n + col].abs().total_cmp(&a[s * n + col].abs()))?;
            if a[pivot * n + col] == 0.0 || !a[pivot * n + col].is_finite() {
                return None;
            }
            if pivot != col {
                for j in 0..n {
                    a.swap(col * n + j, pivot * n + j);
                }
                x.swap(col, pivot);
            }
            for r in col + 1..n {
                let factor = a[r * n + col] / a[col * n + col];
                if factor != 0.0 {
                    for j in col..n {
                        a[r * n + j] -= factor * a[col * n + j];
                    }
                    x[r] -= factor * x[col];
                }
            }
        }
        for col in (0..n).rev() {
            let mut sum = x[col];
            for j in col + 1..n {
                sum -= a[col * n + j] * x[j];
            }
            x[col] = sum / a[col * n + col];
        }
        x.iter().all(|v| v.is_finite()).then_some(x)
    }

    /// The inverse, column by column; `None` when singular.
    pub fn inverse(&self) -> Option<Square> {
        let n = self.n;
        let mut inv = Square::zeros(n);
        for j in 0..n {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            let col = self.solve(&e)?;
            for (i, v) in col.into_iter().enumerate() {
                *inv.at(i, j) = v;
            }
        }
        Some(inv)
    }

    /// The quadratic form xᵀ A⁻¹ x; `None` when A is singular.
    pub fn inverse_quadratic_form(&self, x: &[f64]) -> Option<f64> {
        let y = self.solve(x)?;
        Some(x.iter().zip(&y).map(|(a, b)| a * b).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts() {
        let mut a = Square::zeros(2);
        *a.at(0, 0) = 4.0;
        *a.at(0, 1) = 1.0;
        *a.at(1, 0) = 1.0;
        *a.at(1, 1) = 3.0;
        let x = a.solve(&[1.0, 2.0]).unwrap();
        assert!((x[0] - 1.0 / 11.0).abs() < 1e-15 && (x[1] - 7.0 / 11.0).abs() < 1e-15);
        let inv = a.inverse().unwrap();
        assert!((inv.get(0, 0) - 3.0 / 11.0).abs() < 1e-15);
        assert!(Square::zeros(2).solve(&[1.0, 1.0]).is_none());
    }
}
