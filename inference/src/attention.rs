//! Fused self-attention for one sequence of the packed batch: for each head, scores, softmax
//! and context in one pass over small buffers that stay in cache, with no padded tensors and
//! no nested thread pools (the caller runs sequences in parallel; each runs on one thread).
//!
//! Both products go through one register-blocked vector kernel: four query rows at a time times two
//! vectors of columns, so every loaded vector feeds four fused multiply-adds. They are
//! dispatched at run time through `pulp` (AVX-512, AVX2+FMA or scalar).

use pulp::Simd;

use crate::simd;

/// Query rows computed together (each loaded key or value vector is used this many times).
const ROWS: usize = 4;

/// Self-attention of one sequence.
pub(crate) struct SequenceAttention<'a> {
    /// The sequence's rows of the packed QKV projection, `len × 3·hidden`, biases not added.
    pub qkv: &'a [f32],
    /// Query, key and value biases, `3·hidden`.
    pub bias: &'a [f32],
    pub heads: usize,
    /// The context, `len × hidden`, token-major (heads side by side in each row).
    pub out: &'a mut [f32],
}

/// Head sizes must be a multiple of this: two vectors of the widest level (16 lanes).
pub(crate) const HEAD_DIM_MULTIPLE: usize = 32;

impl pulp::WithSimd for SequenceAttention<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let SequenceAttention {
            qkv,
            bias,
            heads,
            out,
        } = self;
        let hidden = bias.len() / 3;
        let d = hidden / heads;
        let len = out.len() / hidden;
        if len == 0 {
            return;
        }
        debug_assert_eq!(d % HEAD_DIM_MULTIPLE, 0);
        // Score rows are padded to whole pairs of vectors, query rows to whole blocks; padding
        // is computed on zeros and never read back.
        let width = len.next_multiple_of(2 * S::F32_LANES);
        let rows = len.next_multiple_of(ROWS);
        let scale = 1.0 / (d as f32).sqrt();

        let mut q = vec![0f32; rows * d];
        let mut k_t = vec![0f32; d * width];
        let mut v = vec![0f32; len * d];
        let mut scores = vec![0f32; rows * width];
        let mut context = vec![0f32; rows * d];
        for head in 0..heads {
            let (q_at, k_at, v_at) = (head * d, hidden + head * d, 2 * hidden + head * d);
            for (t, row) in qkv.chunks_exact(3 * hidden).enumerate() {
                for c in 0..d {
                    q[t * d + c] = (row[q_at + c] + bias[q_at + c]) * scale;
                    k_t[c * width + t] = row[k_at + c] + bias[k_at + c];
                    v[t * d + c] = row[v_at + c] + bias[v_at + c];
                }
            }
            // scores = q · kᵀ (keys as columns), then softmax over the `len` real columns.
            block_matmul(simd, &q, d, d, &k_t, width, &mut scores);
            for row in scores.chunks_exact_mut(width).take(len) {
                simd::softmax(simd, &mut row[..len]);
            }
            // context = probabilities · v over the `len` real columns.
            block_matmul(simd, &scores, width, len, &v, d, &mut context);
            for (t, row) in out.chunks_exact_mut(hidden).enumerate() {
                row[head * d..(head + 1) * d].copy_from_slice(&context[t * d..(t + 1) * d]);
            }
        }
    }
}

/// `out = a · b` for whole blocks of rows: `a` is `rows × inner`, its rows `a_stride` apart;
/// `b` is `inner × b_width`; `out` is `rows × b_width`. `rows` is a multiple of `ROWS` and
/// `b_width` of two vectors.
#[inline(always)]
fn block_matmul<S: Simd>(
    simd: S,
    a: &[f32],
    a_stride: usize,
    inner: usize,
    b: &[f32],
    b_width: usize,
    out: &mut [f32],
) {
    let per_row = b_width / S::F32_LANES;
    let b = S::as_simd_f32s(b).0;
    let out = S::as_mut_simd_f32s(out).0;
    for (a, out) in a
        .chunks_exact(ROWS * a_stride)
        .zip(out.chunks_exact_mut(ROWS * per_row))
    {
        for column in (0..per_row).step_by(2) {
            let zero = simd.splat_f32s(0.0);
            let mut acc = [[zero; 2]; ROWS];
            for (i, b_row) in b.chunks_exact(per_row).enumerate().take(inner) {
                let b0 = b_row[column];
                let b1 = b_row[column + 1];
                for (r, acc) in acc.iter_mut().enumerate() {
                    let a = simd.splat_f32s(a[r * a_stride + i]);
                    acc[0] = simd.mul_add_f32s(a, b0, acc[0]);
                    acc[1] = simd.mul_add_f32s(a, b1, acc[1]);
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                out[r * per_row + column] = acc[0];
                out[r * per_row + column + 1] = acc[1];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use pulp::WithSimd;

    use super::*;

    /// Attention computed the plain way, in f64.
    fn reference(qkv: &[f32], bias: &[f32], heads: usize) -> Vec<f32> {
        let hidden = bias.len() / 3;
        let d = hidden / heads;
        let len = qkv.len() / (3 * hidden);
        let at = |t: usize, i: usize| f64::from(qkv[t * 3 * hidden + i] + bias[i]);
        let mut out = vec![0f32; len * hidden];
        for head in 0..heads {
            for i in 0..len {
                let scores: Vec<f64> = (0..len)
                    .map(|j| {
                        (0..d)
                            .map(|c| at(i, head * d + c) * at(j, hidden + head * d + c))
                            .sum::<f64>()
                            / (d as f64).sqrt()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = weights.iter().sum();
                for c in 0..d {
                    let value: f64 = (0..len)
                        .map(|j| weights[j] * at(j, 2 * hidden + head * d + c))
                        .sum();
                    out[i * hidden + head * d + c] = (value / total) as f32;
                }
            }
        }
        out
    }

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32 - 0.5) * 4.0
            })
            .collect()
    }

    #[test]
    fn matches_plain_attention_on_every_level_and_length() {
        let (heads, d) = (3, 32);
        let hidden = heads * d;
        let bias = pseudo_random(3 * hidden, 7);
        for len in [1, 2, 5, 16, 33, 70] {
            let qkv = pseudo_random(len * 3 * hidden, len as u32);
            let expected = reference(&qkv, &bias, heads);
            let run = |level: &dyn Fn(SequenceAttention<'_>)| {
                let mut out = vec![f32::NAN; len * hidden];
                level(SequenceAttention {
                    qkv: &qkv,
                    bias: &bias,
                    heads,
                    out: &mut out,
                });
                out
            };
            let outputs = [
                run(&|a| pulp::Arch::new().dispatch(a)),
                run(&|a| a.with_simd(pulp::Scalar::new())),
                run(&|a| a.with_simd(pulp::Scalar256b)),
                run(&|a| a.with_simd(pulp::Scalar512b)),
            ];
            for out in outputs {
                for (i, (ours, want)) in out.iter().zip(&expected).enumerate() {
                    assert!(
                        (ours - want).abs() < 1e-5,
                        "len {len}, value {i}: {ours} vs {want}"
                    );
                }
            }
        }
    }
}
