//! The packed encoder gives the same vectors as candle's stock `BertModel` run over a padded
//! batch, for short and long (truncated) texts mixed in one batch. Needs the models folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use companin_inference::{EMBEDDER_DIR, Embedder, EmbedderOptions, dot};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

fn model_dir() -> PathBuf {
    std::env::var_os("COMPANIN_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
        .join(EMBEDDER_DIR)
}

/// Mean-pooled, normalised vectors from the stock model on a padded batch.
fn stock_vectors(texts: &[String]) -> Vec<Vec<f32>> {
    let dir = model_dir();
    let config: Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let tensors =
        candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu).unwrap();
    let model = BertModel::load(
        VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        &config,
    )
    .unwrap();
    let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    tokenizer.with_padding(Some(PaddingParams::default()));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: 256,
            ..TruncationParams::default()
        }))
        .unwrap();
    let encodings = tokenizer
        .encode_batch(texts.iter().map(String::as_str).collect(), true)
        .unwrap();
    let width = encodings[0].get_ids().len();
    let ids: Vec<u32> = encodings
        .iter()
        .flat_map(|e| e.get_ids().to_vec())
        .collect();
    let mask: Vec<u32> = encodings
        .iter()
        .flat_map(|e| e.get_attention_mask().to_vec())
        .collect();
    let ids = Tensor::from_vec(ids, (texts.len(), width), &Device::Cpu).unwrap();
    let mask = Tensor::from_vec(mask, (texts.len(), width), &Device::Cpu).unwrap();
    let hidden = model
        .forward(&ids, &ids.zeros_like().unwrap(), Some(&mask))
        .unwrap()
        .to_vec3::<f32>()
        .unwrap();
    let mask = mask.to_vec2::<u32>().unwrap();
    hidden
        .iter()
        .zip(&mask)
        .map(|(rows, mask)| {
            let mut sum = vec![0f32; rows[0].len()];
            for (row, &m) in rows.iter().zip(mask) {
                if m == 1 {
                    sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                }
            }
            let norm = dot(&sum, &sum).sqrt();
            sum.iter().map(|v| v / norm).collect()
        })
        .collect()
}

#[test]
fn packed_encoder_matches_stock_bert() {
    let long = "Enzymes lower the activation energy of reactions in living cells. ".repeat(40);
    let texts: Vec<String> = vec![
        "A short one.".into(),
        long.clone(),
        "Shipping to Canada takes five to seven business days, tracked.".into(),
        long[..600].to_string(),
        "x".into(),
        "Why does the lamp flicker when the dimmer is set low?".into(),
    ];
    let expected = stock_vectors(&texts);
    for batch_size in [1, 4, 32] {
        let embedder = Embedder::load(
            model_dir().parent().unwrap(),
            EmbedderOptions {
                threads: 2,
                batch_size,
                ..EmbedderOptions::default()
            },
        )
        .unwrap();
        let ours = embedder.embed(&texts).unwrap();
        for ((text, ours), theirs) in texts.iter().zip(&ours).zip(&expected) {
            let cosine = dot(ours, theirs);
            assert!(
                cosine >= 0.99999,
                "batch {batch_size}: cosine {cosine} for {:?}",
                &text[..text.len().min(30)]
            );
        }
    }
}
