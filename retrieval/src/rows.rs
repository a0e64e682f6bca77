//! Rows of a fixed width in blocks of [`BLOCK`] rows: the index's vectors and the graph's
//! bottom-layer links. Growing never moves what is stored. One flat array for 100,000 chunks
//! would be copied whole each time it outgrew its allocation (150 MB of vectors, 12.8 MB of
//! links), under the tenant's write lock: in `bench search` one more chunk at 10,000 took
//! 7.3 ms with one flat table of links, 0.7 to 1.4 ms with blocks.

/// Rows per block.
pub const BLOCK: usize = 1_024;

#[derive(Debug, Clone, PartialEq)]
pub struct Rows<T> {
    width: usize,
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Rows<T> {
    /// No rows yet, each to be `width` values, with room for the block list of about
    /// `capacity` rows.
    pub fn new(width: usize, capacity: usize) -> Rows<T> {
        Rows {
            width,
            blocks: Vec::with_capacity(capacity.div_ceil(BLOCK)),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends `row` (`width` values: a shorter one is padded with `fill`, a longer one cut)
    /// and answers the stored copy.
    pub fn push(&mut self, row: &[T], fill: T) -> &mut [T] {
        if self.len.is_multiple_of(BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK * self.width));
        }
        self.len += 1;
        let width = self.width;
        let Some(block) = self.blocks.last_mut() else {
            return &mut [];
        };
        let start = block.len();
        block.extend(
            row.iter()
                .copied()
                .chain(std::iter::repeat(fill))
                .take(width),
        );
        &mut block[start..]
    }

    pub fn get(&self, row: usize) -> Option<&[T]> {
        let at = row % BLOCK * self.width;
        self.blocks.get(row / BLOCK)?.get(at..at + self.width)
    }

    /// [`Rows::get`] for rows whose width `W` is known when compiling: the offset then costs
    /// no multiply by a field and no overflow check on it. Used by the graph's walk; in
    /// `bench search` the two differed by less than the runs' noise (docs/benchmarks.md).
    pub fn get_fixed<const W: usize>(&self, row: usize) -> Option<&[T; W]> {
        debug_assert_eq!(W, self.width);
        let at = row % BLOCK * W;
        self.blocks
            .get(row / BLOCK)?
            .get(at..at + W)?
            .try_into()
            .ok()
    }

    pub fn get_mut(&mut self, row: usize) -> Option<&mut [T]> {
        let at = row % BLOCK * self.width;
        self.blocks
            .get_mut(row / BLOCK)?
            .get_mut(at..at + self.width)
    }

    /// Bytes held, whole blocks counted.
    pub fn memory_bytes(&self) -> usize {
        let values: usize = self.blocks.iter().map(Vec::capacity).sum();
        values * size_of::<T>()
    }

    /// The stored values, block by block, in row order (what [`Rows::read`] reads back).
    pub fn blocks(&self) -> impl Iterator<Item = &[T]> {
        self.blocks.iter().map(Vec::as_slice)
    }

    /// `len` rows of `width`, read block by block: `read(n, block)` appends `n` values to
    /// `block` or fails. Whole blocks are allocated, as [`Rows::push`] makes them, so rows
    /// count the same bytes whether they were built or read.
    pub fn read(
        width: usize,
        len: usize,
        mut read: impl FnMut(usize, &mut Vec<T>) -> Result<(), String>,
    ) -> Result<Rows<T>, String> {
        let mut rows = Rows::new(width, len);
        while rows.len < len {
            let count = BLOCK.min(len - rows.len);
            let mut block = Vec::with_capacity(BLOCK * width);
            read(count * width, &mut block)?;
            if block.len() != count * width {
                return Err(format!(
                    "{} values read where {} were expected",
                    block.len(),
                    count * width
                ));
            }
            rows.blocks.push(block);
            rows.len += count;
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_span_blocks_and_read_back_as_stored() {
        let mut rows = Rows::new(3, 0);
        for i in 0..BLOCK as u32 + 5 {
            let stored = rows.push(&[i, i + 1], u32::MAX);
            assert_eq!(stored, [i, i + 1, u32::MAX]);
        }
        assert_eq!(rows.len(), BLOCK + 5);
        assert_eq!(rows.get(BLOCK + 1), Some(&[1025, 1026, u32::MAX][..]));
        assert_eq!(rows.get(BLOCK + 5), None);
        assert_eq!(
            rows.get_fixed::<3>(BLOCK + 1),
            Some(&[1025, 1026, u32::MAX])
        );
        assert_eq!(rows.get_fixed::<3>(BLOCK + 5), None);
        if let Some(row) = rows.get_mut(2) {
            row[2] = 7;
        }
        assert_eq!(rows.get(2), Some(&[2, 3, 7][..]));
        assert_eq!(rows.memory_bytes(), 2 * BLOCK * 3 * 4);

        let flat: Vec<u32> = rows.blocks().flatten().copied().collect();
        let mut at = 0;
        let copy = Rows::read(3, rows.len(), |n, block: &mut Vec<u32>| {
            block.extend_from_slice(&flat[at..at + n]);
            at += n;
            Ok(())
        })
        .unwrap();
        assert_eq!(copy, rows);
        assert_eq!(copy.memory_bytes(), rows.memory_bytes());
    }

    #[test]
    fn a_short_read_is_refused() {
        let refused = Rows::<u32>::read(4, 10, |n, block| {
            block.extend(std::iter::repeat_n(0, n - 1));
            Ok(())
        });
        assert!(refused.is_err());
    }
}
