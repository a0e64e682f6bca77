//! A packed BERT encoder for inference: every token of a batch sits in one matrix, with no
//! padding, so no work is spent on pad tokens and no padded score tensors are built.
//!
//! The four linear layers of each block are candle matmuls (gemm, AVX-512 when the CPU has
//! it). Everything between them runs as fused, rayon-parallel vector kernels over rows (see
//! `simd`): bias + GELU, bias + residual + layer norm, and attention one sequence per task
//! (see `attention`). Stock candle runs those elementwise steps on one core and, for attention,
//! over the padded batch. `tests/packed.rs` checks the output against candle's stock
//! `BertModel`.

use std::collections::HashMap;

use candle_core::{CpuStorage, Device, Storage, Tensor};
use candle_transformers::models::bert::{Config, HiddenAct};
use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::attention::{HEAD_DIM_MULTIPLE, SequenceAttention};
use crate::e5s1::Q4Rows;
use crate::manifest::ModelError;
use crate::simd;

/// Rows handed to one task by the row-wise kernels: enough work to amortise the task.
const ROWS_PER_TASK: usize = 16;

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
    word_embeddings: WordEmbeddings,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: LayerNorm,
    blocks: Vec<Block>,
    hidden: usize,
    heads: usize,
    vocab: usize,
    max_positions: usize,
}

/// The word embedding table: f32 rows, or 4-bit rows widened per token (a 250k-word
/// multilingual vocabulary is 384 MB as f32, 54 MB as 4-bit).
pub(crate) enum WordEmbeddings {
    F32(Vec<f32>),
    Q4(Q4Rows),
}

impl WordEmbeddings {
    /// Writes the embedding of `id` into `row`.
    fn write(&self, id: usize, row: &mut [f32]) {
        match self {
            WordEmbeddings::F32(table) => {
                let h = row.len();
                row.copy_from_slice(&table[id * h..(id + 1) * h]);
            }
            WordEmbeddings::Q4(rows) => {
                rows.widen_row(id, row);
            }
        }
    }
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
        tensors: HashMap<String, Tensor>,
        config: &Config,
    ) -> Result<Self, ModelError> {
        Self::build(tensors, config, None)
    }

    /// The same, with the word embeddings given apart (`words`) rather than as a tensor.
    pub(crate) fn build(
        mut tensors: HashMap<String, Tensor>,
        config: &Config,
        words: Option<WordEmbeddings>,
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
            || !(config.hidden_size / config.num_attention_heads).is_multiple_of(HEAD_DIM_MULTIPLE)
        {
            return Err(ModelError::Inference(format!(
                "unsupported shape: hidden size {} over {} heads (head size must be a multiple of {HEAD_DIM_MULTIPLE})",
                config.hidden_size, config.num_attention_heads
            )));
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
        let word_embeddings = match words {
            Some(words) => words,
            None => WordEmbeddings::F32(to_vec(&take("embeddings.word_embeddings.weight")?)?),
        };
        let vocab = match &word_embeddings {
            WordEmbeddings::F32(table) => table.len() / config.hidden_size,
            WordEmbeddings::Q4(rows) => rows.rows(),
        };
        if vocab < config.vocab_size {
            return Err(ModelError::Inference(format!(
                "the word embeddings hold {vocab} of the {} words",
                config.vocab_size
            )));
        }
        Ok(Self {
            word_embeddings,
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
                self.word_embeddings.write(id, row);
                let pos = &self.position_embeddings[position * h..(position + 1) * h];
                for ((r, p), t) in row.iter_mut().zip(pos).zip(&self.token_type_embedding) {
                    *r += p + t;
                }
                Arch::new().dispatch(Normalize {
                    rows: row,
                    norm: &self.embedding_norm,
                });
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
        let context = with_data(&qkv, |qkv| self.attention(qkv, &block.qkv_bias, lengths))?;

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
    fn attention(&self, qkv: &[f32], bias: &[f32], lengths: &[usize]) -> Vec<f32> {
        let h = self.hidden;
        let tokens: usize = lengths.iter().sum();
        let mut context = vec![0f32; tokens * h];
        let mut slabs = Vec::with_capacity(lengths.len());
        let mut rest = context.as_mut_slice();
        let mut at = 0;
        for &len in lengths {
            let (slab, tail) = rest.split_at_mut(len * h);
            slabs.push((slab, &qkv[at * 3 * h..(at + len) * 3 * h]));
            rest = tail;
            at += len;
        }
        slabs.into_par_iter().for_each(|(out, qkv)| {
            Arch::new().dispatch(SequenceAttention {
                qkv,
                bias,
                heads: self.heads,
                out,
            })
        });
        context
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
}

/// Layer norm of each row of `rows`.
struct Normalize<'a> {
    rows: &'a mut [f32],
    norm: &'a LayerNorm,
}

impl WithSimd for Normalize<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, s: S) {
        let norm = self.norm;
        for row in self.rows.chunks_exact_mut(norm.weight.len()) {
            simd::layer_norm(s, row, &norm.weight, &norm.bias, norm.eps);
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
    struct Kernel<'a> {
        out: &'a mut [f32],
        projected: &'a [f32],
        residual: &'a [f32],
        bias: &'a [f32],
        norm: &'a LayerNorm,
    }
    impl WithSimd for Kernel<'_> {
        type Output = ();

        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) {
            let h = self.bias.len();
            let bias = S::as_simd_f32s(self.bias);
            for ((out, projected), residual) in self
                .out
                .chunks_exact_mut(h)
                .zip(self.projected.chunks_exact(h))
                .zip(self.residual.chunks_exact(h))
            {
                let (out_v, out_tail) = S::as_mut_simd_f32s(out);
                let (p_v, p_tail) = S::as_simd_f32s(projected);
                let (r_v, r_tail) = S::as_simd_f32s(residual);
                for (((o, p), r), b) in out_v.iter_mut().zip(p_v).zip(r_v).zip(bias.0) {
                    *o = s.add_f32s(s.add_f32s(*p, *b), *r);
                }
                for (((o, p), r), b) in out_tail.iter_mut().zip(p_tail).zip(r_tail).zip(bias.1) {
                    *o = p + b + r;
                }
                simd::layer_norm(s, out, &self.norm.weight, &self.norm.bias, self.norm.eps);
            }
        }
    }
    let h = bias.len();
    let mut out = vec![0f32; projected.len()];
    out.par_chunks_mut(h * ROWS_PER_TASK)
        .zip(projected.par_chunks(h * ROWS_PER_TASK))
        .zip(residual.par_chunks(h * ROWS_PER_TASK))
        .for_each(|((out, projected), residual)| {
            Arch::new().dispatch(Kernel {
                out,
                projected,
                residual,
                bias,
                norm,
            })
        });
    out
}

/// `gelu(x + bias)`, exact (erf) GELU as in BERT.
fn bias_gelu(x: &[f32], bias: &[f32]) -> Vec<f32> {
    struct Kernel<'a> {
        out: &'a mut [f32],
        x: &'a [f32],
        bias: &'a [f32],
    }
    impl WithSimd for Kernel<'_> {
        type Output = ();

        #[inline(always)]
        fn with_simd<S: Simd>(self, s: S) {
            let width = self.bias.len();
            for (out, x) in self
                .out
                .chunks_exact_mut(width)
                .zip(self.x.chunks_exact(width))
            {
                for ((o, x), b) in out.iter_mut().zip(x).zip(self.bias) {
                    *o = x + b;
                }
                simd::gelu_in_place(s, out);
            }
        }
    }
    let width = bias.len();
    let mut out = vec![0f32; x.len()];
    out.par_chunks_mut(width * ROWS_PER_TASK)
        .zip(x.par_chunks(width * ROWS_PER_TASK))
        .for_each(|(out, x)| Arch::new().dispatch(Kernel { out, x, bias }));
    out
}
