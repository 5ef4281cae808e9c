//! Contingency tables of level × group counts, and the table the tests use:
//! all-zero rows and columns dropped (a level never observed, a group without
//! values), structural zeros inside kept — as the reference does before
//! calling `chisq.test` and `fisher.test`.

/// A table of counts, rows × columns, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contingency {
    rows: usize,
    cols: usize,
    counts: Vec<u64>,
}

impl Contingency {
    /// A table from row-major counts.
    pub fn new(rows: usize, cols: usize, counts: Vec<u64>) -> Contingency {
        assert_eq!(counts.len(), rows * cols, "contingency table size");
        Contingency { rows, cols, counts }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Count in row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> u64 {
        self.counts[i * self.cols + j]
    }

    /// Row totals.
    pub fn row_sums(&self) -> Vec<u64> {
        (0..self.rows)
            .map(|i| (0..self.cols).map(|j| self.get(i, j)).sum())
            .collect()
    }

    /// Column totals.
    pub fn col_sums(&self) -> Vec<u64> {
        (0..self.cols)
            .map(|j| (0..self.rows).map(|i| self.get(i, j)).sum())
            .collect()
    }

    /// Grand total.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The table without all-zero rows and columns, with the kept indices.
    pub fn without_empty(&self) -> (Contingency, Vec<usize>, Vec<usize>) {
        let row_sums = self.row_sums();
        let col_sums = self.col_sums();
        let rows: Vec<usize> = (0..self.rows).filter(|&i| row_sums[i] > 0).collect();
        let cols: Vec<usize> = (0..self.cols).filter(|&j| col_sums[j] > 0).collect();
        let counts = rows
            .iter()
            .flat_map(|&i| cols.iter().map(move |&j| (i, j)))
            .map(|(i, j)| self.get(i, j))
            .collect();
        (Contingency::new(rows.len(), cols.len(), counts), rows, cols)
    }

    /// The transposed table.
    pub fn transposed(&self) -> Contingency {
        let counts = (0..self.cols)
            .flat_map(|j| (0..self.rows).map(move |i| (i, j)))
            .map(|(i, j)| self.get(i, j))
            .collect();
        Contingency::new(self.cols, self.rows, counts)
    }

    /// Expected counts under independence, row-major.
    pub fn expected(&self) -> Vec<f64> {
        let n = self.total() as f64;
        let row_sums = self.row_sums();
        let col_sums = self.col_sums();
        (0..self.rows)
            .flat_map(|i| (0..self.cols).map(move |j| (i, j)))
            .map(|(i, j)| row_sums[i] as f64 * col_sums[j] as f64 / n)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_rows_and_columns_are_dropped_structural_zeros_kept() {
        let t = Contingency::new(3, 3, vec![1, 0, 2, 0, 0, 0, 3, 0, 0]);
        let (kept, rows, cols) = t.without_empty();
        assert_eq!((rows, cols), (vec![0, 2], vec![0, 2]));
        assert_eq!(kept, Contingency::new(2, 2, vec![1, 2, 3, 0]));
    }
}
