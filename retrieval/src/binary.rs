//! Little-endian numbers in snapshot files: a writer, and a reader that refuses any length
//! the file cannot hold (a damaged length must fail, not ask for terabytes).

use std::io::{BufReader, BufWriter, Read, Write};

/// Bytes converted per read or write of a long array.
const STEP: usize = 64 * 1024;

pub struct Writer<W: Write>(BufWriter<W>);

impl<W: Write> Writer<W> {
    pub fn new(inner: W) -> Self {
        Writer(BufWriter::with_capacity(STEP, inner))
    }

    pub fn u32(&mut self, value: u32) -> std::io::Result<()> {
        self.0.write_all(&value.to_le_bytes())
    }

    pub fn u64(&mut self, value: u64) -> std::io::Result<()> {
        self.0.write_all(&value.to_le_bytes())
    }

    pub fn u32s(&mut self, values: &[u32]) -> std::io::Result<()> {
        values.iter().try_for_each(|v| self.u32(*v))
    }

    pub fn f32s(&mut self, values: &[f32]) -> std::io::Result<()> {
        values
            .iter()
            .try_for_each(|v| self.0.write_all(&v.to_le_bytes()))
    }

    /// Writes out what is buffered and hands back the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.0.into_inner().map_err(|e| e.into_error())
    }
}

pub struct Reader<R: Read> {
    inner: BufReader<R>,
    /// Bytes left in the file.
    remaining: u64,
}

impl<R: Read> Reader<R> {
    /// Reads `inner`, which holds `len` bytes.
    pub fn new(inner: R, len: u64) -> Self {
        Reader {
            inner: BufReader::with_capacity(STEP, inner),
            remaining: len,
        }
    }

    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut buf = [0u8; N];
        self.take(N as u64)?;
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| format!("reading: {e}"))?;
        Ok(buf)
    }

    /// Counts `n` bytes as read, or fails if the file has fewer left.
    fn take(&mut self, n: u64) -> Result<(), String> {
        self.remaining = self
            .remaining
            .checked_sub(n)
            .ok_or_else(|| format!("the file ends {} bytes early", n - self.remaining))?;
        Ok(())
    }

    pub fn u32(&mut self) -> Result<u32, String> {
        self.bytes::<4>().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        self.bytes::<8>().map(u64::from_le_bytes)
    }

    /// Appends `n` four-byte values, each decoded by `decode`, to `out`.
    fn words<T>(
        &mut self,
        n: usize,
        out: &mut Vec<T>,
        decode: impl Fn([u8; 4]) -> T,
    ) -> Result<(), String> {
        let bytes = (n as u64)
            .checked_mul(4)
            .ok_or("a length past the file's end")?;
        self.take(bytes)?;
        out.reserve_exact(n);
        let mut buf = vec![0u8; STEP.min(n * 4)];
        let mut left = n * 4;
        while left > 0 {
            let part = &mut buf[..STEP.min(left)];
            self.inner
                .read_exact(part)
                .map_err(|e| format!("reading: {e}"))?;
            out.extend(
                part.chunks_exact(4)
                    .map(|w| decode([w[0], w[1], w[2], w[3]])),
            );
            left -= part.len();
        }
        Ok(())
    }

    pub fn u32s(&mut self, n: usize, out: &mut Vec<u32>) -> Result<(), String> {
        self.words(n, out, u32::from_le_bytes)
    }

    pub fn f32s(&mut self, n: usize, out: &mut Vec<f32>) -> Result<(), String> {
        self.words(n, out, f32::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_as_written_and_short_files_fail() {
        let mut writer = Writer::new(Vec::new());
        writer.u32(7).unwrap();
        writer.u64(1 << 40).unwrap();
        writer.f32s(&[1.5, -2.0]).unwrap();
        writer.u32s(&[u32::MAX; 3]).unwrap();
        let bytes = writer.finish().unwrap();
        let mut reader = Reader::new(bytes.as_slice(), bytes.len() as u64);
        assert_eq!(reader.u32().unwrap(), 7);
        assert_eq!(reader.u64().unwrap(), 1 << 40);
        let mut floats = Vec::new();
        reader.f32s(2, &mut floats).unwrap();
        assert_eq!(floats, [1.5, -2.0]);
        let mut words = Vec::new();
        reader.u32s(3, &mut words).unwrap();
        assert_eq!(words, [u32::MAX; 3]);
        assert_eq!(reader.remaining(), 0);
        assert!(reader.u32().is_err());

        // A length the file cannot hold fails before anything is allocated for it.
        let mut reader = Reader::new(bytes.as_slice(), bytes.len() as u64);
        assert!(reader.f32s(usize::MAX / 2, &mut Vec::new()).is_err());
    }
}
