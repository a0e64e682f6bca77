//! A packed BERT encoder for inference: every token of a batch sits in one matrix, with no
//! padding, so no work is spent on pad tokens and no padded score tensors are built.
//!
//! The four linear layers of each block are candle matmuls (gemm, AVX-512 when the CPU has
//! it). Everything between them runs as small fused, rayon-parallel loops over rows: bias +
//! GELU, bias + residual + layer norm, and attention per sequence (softmax with a vectorisable
//! exp). Stock candle runs those elementwise steps on one core and, for attention, over the
//! padded batch. `tests/packed.rs` checks the output against candle's stock `BertModel`.

use std::collections::HashMap;

use candle_core::{CpuStorage, Device, Storage, Tensor};
use candle_transformers::models::bert::{Config, HiddenAct};
use rayon::prelude::*;

use crate::manifest::ModelError;

/// Weights of one encoder block; matrices are stored transposed (`in × out`) for `x · W`.
struct Block {
    qkv: Tensor,
    qkv_bias: Vec<f32>,
    attention_out: Tensor,
    attention_out_bias: Vec<f32>,
    attention_norm: LayerNorm,
    up: Tensor,
    up_bias: Vec<f32>,
    down: Tensor,
    down_bias: Vec<f32>,
    output_norm: LayerNorm,
}

struct LayerNorm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

/// The encoder. `forward` takes token ids per sequence and returns the last hidden states of
/// all tokens, sequence after sequence, row-major (`tokens × hidden`).
pub(crate) struct PackedBert {
    word_embeddings: Vec<f32>,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: LayerNorm,
    blocks: Vec<Block>,
    hidden: usize,
    heads: usize,
    vocab: usize,
    max_positions: usize,
}

fn inference_error(what: &str, error: impl std::fmt::Display) -> ModelError {
    ModelError::Inference(format!("{what}: {error}"))
}

/// Runs `f` on the contiguous f32 data of a CPU tensor without copying it.
fn with_data<R>(tensor: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R, ModelError> {
    let (storage, layout) = tensor.storage_and_layout();
    let Storage::Cpu(CpuStorage::F32(data)) = &*storage else {
        return Err(ModelError::Inference("expected an f32 CPU tensor".into()));
    };
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| ModelError::Inference("expected a contiguous tensor".into()))?;
    Ok(f(&data[start..end]))
}

fn to_vec(tensor: &Tensor) -> Result<Vec<f32>, ModelError> {
    tensor
        .flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(|e| inference_error("reading weights", e))
}

impl PackedBert {
    /// Builds the encoder from the checkpoint's tensors (names as in a Hugging Face `BertModel`
    /// checkpoint, with or without a `bert.` prefix).
    pub(crate) fn new(
        mut tensors: HashMap<String, Tensor>,
        config: &Config,
    ) -> Result<Self, ModelError> {
        if config.hidden_act != HiddenAct::Gelu {
            return Err(ModelError::Inference(format!(
                "unsupported activation {:?}: the packed encoder implements exact GELU",
                config.hidden_act
            )));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(ModelError::Inference(
                "hidden size is not a multiple of the attention heads".into(),
            ));
        }
        let mut take = |name: &str| -> Result<Tensor, ModelError> {
            tensors
                .remove(name)
                .or_else(|| tensors.remove(&format!("bert.{name}")))
                .ok_or_else(|| ModelError::Inference(format!("checkpoint lacks tensor {name}")))
        };
        let eps = config.layer_norm_eps as f32;
        let embedding_norm = LayerNorm::load(&mut take, "embeddings.LayerNorm", eps)?;
        let blocks = (0..config.num_hidden_layers)
            .map(|i| Block::load(&mut take, &format!("encoder.layer.{i}"), eps))
            .collect::<Result<Vec<_>, _>>()?;
        let token_types = to_vec(&take("embeddings.token_type_embeddings.weight")?)?;
        Ok(Self {
            word_embeddings: to_vec(&take("embeddings.word_embeddings.weight")?)?,
            position_embeddings: to_vec(&take("embeddings.position_embeddings.weight")?)?,
            token_type_embedding: token_types[..config.hidden_size].to_vec(),
            embedding_norm,
            blocks,
            hidden: config.hidden_size,
            heads: config.num_attention_heads,
            vocab: config.vocab_size,
            max_positions: config.max_position_embeddings,
        })
    }

    /// Last hidden states of every token of `sequences`, packed (`tokens × hidden`).
    pub(crate) fn forward(&self, sequences: &[&[u32]]) -> Result<Vec<f32>, ModelError> {
        let lengths: Vec<usize> = sequences.iter().map(|s| s.len()).collect();
        let tokens: usize = lengths.iter().sum();
        if tokens == 0 {
            return Ok(Vec::new());
        }
        let mut x = self.embed(sequences)?;
        for block in &self.blocks {
            x = self.block(block, x, tokens, &lengths)?;
        }
        Ok(x)
    }

    /// Word + position + token-type embeddings, layer-normed.
    fn embed(&self, sequences: &[&[u32]]) -> Result<Vec<f32>, ModelError> {
        let h = self.hidden;
        let mut positions = Vec::new();
        for sequence in sequences {
            if sequence.len() > self.max_positions {
                return Err(ModelError::Inference(format!(
                    "sequence of {} tokens exceeds the model's {} positions",
                    sequence.len(),
                    self.max_positions
                )));
            }
            for (position, &id) in sequence.iter().enumerate() {
                if id as usize >= self.vocab {
                    return Err(ModelError::Inference(format!(
                        "token id {id} out of vocabulary"
                    )));
                }
                positions.push((id as usize, position));
            }
        }
        let mut x = vec![0f32; positions.len() * h];
        x.par_chunks_mut(h)
            .zip(positions.par_iter())
            .for_each(|(row, &(id, position))| {
                let word = &self.word_embeddings[id * h..(id + 1) * h];
                let pos = &self.position_embeddings[position * h..(position + 1) * h];
                for (((r, w), p), t) in row
                    .iter_mut()
                    .zip(word)
                    .zip(pos)
                    .zip(&self.token_type_embedding)
                {
                    *r = w + p + t;
                }
                self.embedding_norm.apply(row);
            });
        Ok(x)
    }

    fn block(
        &self,
        block: &Block,
        x: Vec<f32>,
        tokens: usize,
        lengths: &[usize],
    ) -> Result<Vec<f32>, ModelError> {
        let h = self.hidden;
        let x = Tensor::from_vec(x, (tokens, h), &Device::Cpu)
            .map_err(|e| inference_error("hidden states", e))?;
        let qkv = matmul(&x, &block.qkv)?;
        let context = with_data(&qkv, |qkv| self.attention(qkv, &block.qkv_bias, lengths))??;

        let attention = matmul(&tensor(context, tokens, h)?, &block.attention_out)?;
        let x1 = with_data(&x, |residual| {
            with_data(&attention, |projected| {
                bias_residual_norm(
                    projected,
                    &block.attention_out_bias,
                    residual,
                    &block.attention_norm,
                )
            })
        })??;

        let x1 = tensor(x1, tokens, h)?;
        let up = matmul(&x1, &block.up)?;
        let intermediate = with_data(&up, |up| bias_gelu(up, &block.up_bias))?;
        let down = matmul(
            &tensor(intermediate, tokens, block.up_bias.len())?,
            &block.down,
        )?;
        with_data(&x1, |residual| {
            with_data(&down, |projected| {
                bias_residual_norm(projected, &block.down_bias, residual, &block.output_norm)
            })
        })?
    }

    /// Self-attention of each sequence on its own rows of the packed `tokens × 3·hidden` QKV
    /// projection (biases not yet added). Returns the context, `tokens × hidden`.
    fn attention(
        &self,
        qkv: &[f32],
        bias: &[f32],
        lengths: &[usize],
    ) -> Result<Vec<f32>, ModelError> {
        let h = self.hidden;
        let heads = self.heads;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        let mut starts = Vec::with_capacity(lengths.len());
        let mut at = 0;
        for &len in lengths {
            starts.push(at);
            at += len;
        }
        let contexts: Vec<Vec<f32>> = starts
            .par_iter()
            .zip(lengths.par_iter())
            .map(|(&start, &len)| {
                let rows = &qkv[start * 3 * h..(start + len) * 3 * h];
                // Head-major copies: q (heads, len, d) scaled, k and v (heads, len, d).
                let mut q = vec![0f32; heads * len * d];
                let mut k = vec![0f32; heads * len * d];
                let mut v = vec![0f32; heads * len * d];
                for (t, row) in rows.chunks_exact(3 * h).enumerate() {
                    for head in 0..heads {
                        let dst = (head * len + t) * d;
                        let src = head * d;
                        for j in 0..d {
                            q[dst + j] = (row[src + j] + bias[src + j]) * scale;
                            k[dst + j] = row[h + src + j] + bias[h + src + j];
                            v[dst + j] = row[2 * h + src + j] + bias[2 * h + src + j];
                        }
                    }
                }
                let q = Tensor::from_vec(q, (heads, len, d), &Device::Cpu)?;
                let k = Tensor::from_vec(k, (heads, len, d), &Device::Cpu)?;
                let v = Tensor::from_vec(v, (heads, len, d), &Device::Cpu)?;
                let scores = q.matmul(&k.t()?)?;
                let probabilities = with_data(&scores, |s| softmax_rows(s, len))
                    .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
                let probabilities =
                    Tensor::from_vec(probabilities, (heads, len, len), &Device::Cpu)?;
                let context = probabilities.matmul(&v)?;
                // Back to token-major: (len, heads · d).
                with_data(&context, |c| {
                    let mut out = vec![0f32; len * h];
                    for head in 0..heads {
                        for t in 0..len {
                            let src = (head * len + t) * d;
                            out[t * h + head * d..t * h + (head + 1) * d]
                                .copy_from_slice(&c[src..src + d]);
                        }
                    }
                    out
                })
                .map_err(|e| candle_core::Error::Msg(e.to_string()))
            })
            .collect::<Result<_, candle_core::Error>>()
            .map_err(|e| inference_error("attention", e))?;
        Ok(contexts.concat())
    }
}

impl Block {
    fn load(
        take: &mut impl FnMut(&str) -> Result<Tensor, ModelError>,
        prefix: &str,
        eps: f32,
    ) -> Result<Self, ModelError> {
        let mut linear = |name: &str| -> Result<(Tensor, Vec<f32>), ModelError> {
            let weight = take(&format!("{prefix}.{name}.weight"))?;
            let bias = to_vec(&take(&format!("{prefix}.{name}.bias"))?)?;
            Ok((weight, bias))
        };
        let (query, query_bias) = linear("attention.self.query")?;
        let (key, key_bias) = linear("attention.self.key")?;
        let (value, value_bias) = linear("attention.self.value")?;
        let (attention_out, attention_out_bias) = linear("attention.output.dense")?;
        let (up, up_bias) = linear("intermediate.dense")?;
        let (down, down_bias) = linear("output.dense")?;
        let qkv = Tensor::cat(&[query, key, value], 0)
            .map_err(|e| inference_error("joining q, k, v", e))?;
        Ok(Self {
            qkv: transposed(&qkv)?,
            qkv_bias: [query_bias, key_bias, value_bias].concat(),
            attention_out: transposed(&attention_out)?,
            attention_out_bias,
            attention_norm: LayerNorm::load(
                take,
                &format!("{prefix}.attention.output.LayerNorm"),
                eps,
            )?,
            up: transposed(&up)?,
            up_bias,
            down: transposed(&down)?,
            down_bias,
            output_norm: LayerNorm::load(take, &format!("{prefix}.output.LayerNorm"), eps)?,
        })
    }
}

/// `out × in` weight → contiguous `in × out`.
fn transposed(weight: &Tensor) -> Result<Tensor, ModelError> {
    weight
        .t()
        .and_then(|t| t.contiguous())
        .map_err(|e| inference_error("transposing weights", e))
}

fn tensor(data: Vec<f32>, rows: usize, columns: usize) -> Result<Tensor, ModelError> {
    Tensor::from_vec(data, (rows, columns), &Device::Cpu).map_err(|e| inference_error("tensor", e))
}

fn matmul(x: &Tensor, weight: &Tensor) -> Result<Tensor, ModelError> {
    x.matmul(weight).map_err(|e| inference_error("matmul", e))
}

impl LayerNorm {
    fn load(
        take: &mut impl FnMut(&str) -> Result<Tensor, ModelError>,
        prefix: &str,
        eps: f32,
    ) -> Result<Self, ModelError> {
        Ok(Self {
            weight: to_vec(&take(&format!("{prefix}.weight"))?)?,
            bias: to_vec(&take(&format!("{prefix}.bias"))?)?,
            eps,
        })
    }

    fn apply(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = row.iter().sum::<f32>() / n;
        let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let inv = 1.0 / (variance + self.eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

/// `norm(projected + bias + residual)`, row by row.
fn bias_residual_norm(
    projected: &[f32],
    bias: &[f32],
    residual: &[f32],
    norm: &LayerNorm,
) -> Vec<f32> {
    let h = bias.len();
    let mut out = vec![0f32; projected.len()];
    out.par_chunks_mut(h)
        .zip(projected.par_chunks(h))
        .zip(residual.par_chunks(h))
        .for_each(|((o, p), r)| {
            for (((o, p), b), r) in o.iter_mut().zip(p).zip(bias).zip(r) {
                *o = p + b + r;
            }
            norm.apply(o);
        });
    out
}

/// `gelu(x + bias)`, exact (erf) GELU as in BERT.
fn bias_gelu(x: &[f32], bias: &[f32]) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    out.par_chunks_mut(bias.len())
        .zip(x.par_chunks(bias.len()))
        .for_each(|(o, x)| {
            for ((o, x), b) in o.iter_mut().zip(x).zip(bias) {
                *o = gelu(x + b);
            }
        });
    out
}

/// Softmax over each row of `width` values.
fn softmax_rows(scores: &[f32], width: usize) -> Vec<f32> {
    let mut out = scores.to_vec();
    out.par_chunks_mut(width.max(1)).for_each(|row| {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        // Two loops: a running sum in the first would keep it from vectorising.
        row.iter_mut().for_each(|v| *v = exp_nonpositive(*v - max));
        let sum: f32 = row.iter().sum();
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|v| *v *= inv);
    });
    out
}

/// `e^x` for `x ≤ 0`, branch-free so loops over it vectorise (the standard library's `exp` is a
/// scalar call). Relative error below 2e-7: range reduction to `x = n·ln2 + r`, `|r| ≤ ln2/2`,
/// then a degree-6 Taylor polynomial for `e^r`, scaled by `2^n` through the exponent bits.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding and subtracting it rounds to integer.
    let x = x.max(-87.0);
    let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
    // ln 2 split in two so `r` stays exact.
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
}

/// Exact GELU, `x · Φ(x)`, with erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
#[inline(always)]
fn gelu(x: f32) -> f32 {
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    let erf_abs = 1.0 - poly * exp_nonpositive(-z * z);
    let erf = erf_abs.copysign(x);
    0.5 * x * (1.0 + erf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_on_nonpositive_inputs() {
        let mut x = 0.0f32;
        while x > -80.0 {
            let ours = exp_nonpositive(x);
            let std = x.exp();
            assert!(
                (ours - std).abs() <= 3e-7 * std + f32::MIN_POSITIVE,
                "exp({x}): {ours} vs {std}"
            );
            x -= 0.037;
        }
        assert_eq!(exp_nonpositive(-1000.0), exp_nonpositive(-87.0));
    }

    #[test]
    fn gelu_matches_the_erf_definition() {
        // Reference values of x·Φ(x) computed in f64.
        for (x, expected) in [
            (-3.0f32, -0.004_049_71_f64),
            (-1.0, -0.158_655_25),
            (-0.1, -0.046_017_22),
            (0.0, 0.0),
            (0.5, 0.345_731_37),
            (1.0, 0.841_344_75),
            (2.5, 2.484_475_13),
        ] {
            let ours = f64::from(gelu(x));
            assert!(
                (ours - expected).abs() < 1e-6,
                "gelu({x}) = {ours}, want {expected}"
            );
        }
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let scores: Vec<f32> = (0..12).map(|i| (i as f32 * 0.7).sin() * 5.0).collect();
        let out = softmax_rows(&scores, 4);
        for (row, input) in out.chunks(4).zip(scores.chunks(4)) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            let max = input.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let denominator: f32 = input.iter().map(|v| (v - max).exp()).sum();
            for (p, v) in row.iter().zip(input) {
                assert!((p - (v - max).exp() / denominator).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let norm = LayerNorm {
            weight: vec![1.0; 4],
            bias: vec![0.0; 4],
            eps: 1e-12,
        };
        let mut row = vec![1.0, 2.0, 3.0, 4.0];
        norm.apply(&mut row);
        assert!(row.iter().sum::<f32>().abs() < 1e-5);
        let variance = row.iter().map(|v| v * v).sum::<f32>() / 4.0;
        assert!((variance - 1.0).abs() < 1e-4);
    }
}
