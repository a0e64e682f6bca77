//! SmolLM2's transformer (the llama architecture) with every weight matrix held twice: as
//! f32 for the prompt, which then goes through one real matrix product per weight (gemm,
//! AVX2/AVX-512 chosen at run time), and as Q8_0 for each generated token, where a step reads
//! every weight once and a quarter of the bytes makes it faster. candle's own quantized llama
//! holds one format and keeps the attention cache inside the weights; here the weights are
//! shared and immutable and each generation has its own [`Cache`].

use candle_core::quantized::{GgmlDType, QMatMul, QTensor, gguf_file};
use candle_core::{DType, Device, IndexOp, Module, Result, Tensor};
use candle_nn::Embedding;
use candle_transformers::quantized_nn::RmsNorm;

/// Tokens of context the model is used with (it was trained on 8k; prefill cost grows with
/// the square of the prompt, so callers keep prompts well inside this).
pub const CONTEXT_TOKENS: usize = 2048;

/// A weight matrix in both formats.
#[derive(Debug, Clone)]
struct Linear {
    /// f32: for several rows at once (the prompt).
    wide: QMatMul,
    /// Q8_0: for one row (a generated token).
    narrow: QMatMul,
}

impl Linear {
    fn new(weight: QTensor) -> Result<Self> {
        let dense = weight.dequantize(&Device::Cpu)?;
        let narrow = QTensor::quantize(&dense, GgmlDType::Q8_0)?;
        Ok(Self {
            wide: QMatMul::Tensor(dense),
            narrow: QMatMul::from_qtensor(narrow)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let rows: usize = x.dims()[..x.rank().saturating_sub(1)].iter().product();
        if rows > 1 {
            self.wide.forward(x)
        } else {
            self.narrow.forward(x)
        }
    }
}

#[derive(Debug, Clone)]
struct Layer {
    attention_norm: RmsNorm,
    wq: Linear,
    wk: Linear,
    wv: Linear,
    wo: Linear,
    ffn_norm: RmsNorm,
    gate: Linear,
    down: Linear,
    up: Linear,
}

/// The attention keys and values of one generation, per layer.
#[derive(Debug)]
pub struct Cache {
    layers: Vec<Option<(Tensor, Tensor)>>,
}

/// The model's weights, shared by every generation.
#[derive(Debug)]
pub struct Weights {
    embeddings: Embedding,
    layers: Vec<Layer>,
    norm: RmsNorm,
    output: Linear,
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    cos: Tensor,
    sin: Tensor,
    neg_inf: Tensor,
}

impl Weights {
    /// Reads the weights of a llama-architecture GGUF file.
    pub fn from_gguf<R: std::io::Seek + std::io::Read>(
        content: &gguf_file::Content,
        reader: &mut R,
    ) -> Result<Self> {
        let device = &Device::Cpu;
        let meta = |key: &str| {
            content
                .metadata
                .get(key)
                .ok_or_else(|| candle_core::Error::Msg(format!("GGUF metadata lacks {key}")))
        };
        let arch = meta("general.architecture")?.to_string()?.clone();
        if arch != "llama" {
            candle_core::bail!("unsupported architecture `{arch}` (expected llama)");
        }
        let n_head = meta("llama.attention.head_count")?.to_u32()? as usize;
        let n_kv_head = meta("llama.attention.head_count_kv")?.to_u32()? as usize;
        let blocks = meta("llama.block_count")?.to_u32()? as usize;
        let hidden = meta("llama.embedding_length")?.to_u32()? as usize;
        let rope_dim = meta("llama.rope.dimension_count")?.to_u32()? as usize;
        let eps = f64::from(meta("llama.attention.layer_norm_rms_epsilon")?.to_f32()?);
        let rope_base = meta("llama.rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        let mut tensor = |name: &str| content.tensor(reader, name, device);

        let embedding_q = tensor("token_embd.weight")?;
        let embeddings = Embedding::new(embedding_q.dequantize(device)?, hidden);
        let norm = RmsNorm::from_qtensor(tensor("output_norm.weight")?, eps)?;
        // SmolLM2 ties the output projection to the embeddings.
        let output = match tensor("output.weight") {
            Ok(t) => Linear::new(t)?,
            Err(_) => Linear::new(embedding_q)?,
        };
        let mut layers = Vec::with_capacity(blocks);
        for i in 0..blocks {
            let mut part = |name: &str| tensor(&format!("blk.{i}.{name}.weight"));
            layers.push(Layer {
                attention_norm: RmsNorm::from_qtensor(part("attn_norm")?, eps)?,
                wq: Linear::new(part("attn_q")?)?,
                wk: Linear::new(part("attn_k")?)?,
                wv: Linear::new(part("attn_v")?)?,
                wo: Linear::new(part("attn_output")?)?,
                ffn_norm: RmsNorm::from_qtensor(part("ffn_norm")?, eps)?,
                gate: Linear::new(part("ffn_gate")?)?,
                down: Linear::new(part("ffn_down")?)?,
                up: Linear::new(part("ffn_up")?)?,
            });
        }
        let (cos, sin) = rotary_tables(rope_dim, rope_base, device)?;
        Ok(Self {
            embeddings,
            layers,
            norm,
            output,
            n_head,
            n_kv_head,
            head_dim: hidden / n_head,
            cos,
            sin,
            neg_inf: Tensor::new(f32::NEG_INFINITY, device)?,
        })
    }

    /// An empty attention cache for one generation.
    pub fn cache(&self) -> Cache {
        Cache {
            layers: vec![None; self.layers.len()],
        }
    }

    /// The next-token logits after `tokens` (shape `(1, n)`), which start at position
    /// `index_pos` of the sequence the cache holds the start of.
    pub fn forward(&self, cache: &mut Cache, tokens: &Tensor, index_pos: usize) -> Result<Tensor> {
        let (_, seq_len) = tokens.dims2()?;
        let mask = if seq_len == 1 {
            None
        } else {
            Some(candle_transformers::utils::build_causal_mask(
                seq_len,
                index_pos,
                tokens.device(),
            )?)
        };
        let mut h = self.embeddings.forward(tokens)?;
        for (layer, kv) in self.layers.iter().zip(cache.layers.iter_mut()) {
            let x = layer.attention_norm.forward(&h)?;
            let x = (self.attention(layer, &x, mask.as_ref(), index_pos, kv)? + &h)?;
            let y = layer.ffn_norm.forward(&x)?;
            let gated =
                (candle_nn::ops::silu(&layer.gate.forward(&y)?)? * layer.up.forward(&y)?)?;
            h = (layer.down.forward(&gated)? + x)?;
        }
        let last = self.norm.forward(&h)?.i((.., seq_len - 1, ..))?;
        self.output.forward(&last)
    }

    fn attention(
        &self,
        layer: &Layer,
        x: &Tensor,
        mask: Option<&Tensor>,
        index_pos: usize,
        kv: &mut Option<(Tensor, Tensor)>,
    ) -> Result<Tensor> {
        let (b, seq_len, hidden) = x.dims3()?;
        let heads = |t: Tensor, n: usize| -> Result<Tensor> {
            t.reshape((b, seq_len, n, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = heads(layer.wq.forward(x)?, self.n_head)?;
        let k = heads(layer.wk.forward(x)?, self.n_kv_head)?;
        let v = heads(layer.wv.forward(x)?, self.n_kv_head)?;
        let cos = self.cos.narrow(0, index_pos, seq_len)?;
        let sin = self.sin.narrow(0, index_pos, seq_len)?;
        // Llama GGUF files pair interleaved dimensions (2i, 2i+1).
        let q = candle_nn::rotary_emb::rope_i(&q, &cos, &sin)?;
        let k = candle_nn::rotary_emb::rope_i(&k, &cos, &sin)?;
        let (k, v) = match kv.take() {
            Some((k_cache, v_cache)) if index_pos > 0 => (
                Tensor::cat(&[&k_cache, &k], 2)?,
                Tensor::cat(&[&v_cache, &v], 2)?,
            ),
            _ => (k, v),
        };
        *kv = Some((k.clone(), v.clone()));
        // Grouped-query attention without copying the keys and values once per query head:
        // the query heads that share a key/value head become extra rows of one product.
        let groups = self.n_head / self.n_kv_head;
        let q = q.reshape((b, self.n_kv_head, groups * seq_len, self.head_dim))?;
        let scores = (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?;
        let scores = match mask {
            None => scores,
            Some(mask) => {
                // Rows are (head in group, position): the causal mask repeats per head.
                let mask = Tensor::cat(&vec![mask; groups], 0)?.broadcast_as(scores.shape())?;
                mask.where_cond(&self.neg_inf.broadcast_as(scores.shape())?, &scores)?
            }
        };
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let y = weights
            .matmul(&v)?
            .reshape((b, self.n_head, seq_len, self.head_dim))?;
        let y = y.transpose(1, 2)?.reshape((b, seq_len, hidden))?;
        layer.wo.forward(&y)
    }
}

/// Rotary position tables (cos, sin) for every position a prompt and reply can reach.
fn rotary_tables(dim: usize, base: f32, device: &Device) -> Result<(Tensor, Tensor)> {
    let theta: Vec<f32> = (0..dim)
        .step_by(2)
        .map(|i| 1.0 / base.powf(i as f32 / dim as f32))
        .collect();
    let theta = Tensor::new(theta.as_slice(), device)?;
    let positions = Tensor::arange(0, CONTEXT_TOKENS as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((CONTEXT_TOKENS, 1))?;
    let angles = positions.matmul(&theta.reshape((1, ()))?)?;
    Ok((angles.cos()?, angles.sin()?))
}
