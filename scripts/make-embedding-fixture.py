#!/usr/bin/env python3
"""Write inference/tests/fixtures/minilm_reference.json: reference
all-MiniLM-L6-v2 sentence embeddings computed by sentence-transformers, for
the Rust embedding correctness test.

Regenerate:
    scripts/fetch-models                       # fills models/ (checksummed)
    pip install sentence-transformers          # pulls torch; large but fine
    python3 scripts/make-embedding-fixture.py

The model is read from the LOCAL folder <models>/all-MiniLM-L6-v2 (models =
$COMPANIN_MODELS_DIR or <repo root>/models), which holds only config.json,
tokenizer.json and model.safetensors, so the sentence-transformers pipeline is
built explicitly: Transformer(max_seq_length=256) -> mean Pooling(384) ->
Normalize. That is exactly the upstream model's modules.json.

Note: tokenizer.json itself carries truncation=128 and fixed padding=128 (from
upstream); sentence-transformers ignores both and truncates at 256, so a Rust
port using the `tokenizers` crate must override them.

Output: {"model", "max_seq_length", "pooling", "normalized", "sentences",
"token_counts" (word pieces incl. [CLS]/[SEP], before truncation),
"vectors" (384 floats each, rounded to 7 decimals)}.
"""
import json
import os
import warnings
from pathlib import Path

import torch

try:  # sentence-transformers >= 6
    from sentence_transformers.sentence_transformer.modules import (
        Normalize, Pooling, Transformer)
except ImportError:  # older releases
    from sentence_transformers.models import Normalize, Pooling, Transformer
from sentence_transformers import SentenceTransformer

ROOT = Path(__file__).resolve().parent.parent
MODELS = Path(os.environ.get("COMPANIN_MODELS_DIR", ROOT / "models"))
MODEL_DIR = MODELS / "all-MiniLM-L6-v2"
OUT = ROOT / "inference" / "tests" / "fixtures" / "minilm_reference.json"
MAX_SEQ_LENGTH = 256

LONG_PASSAGE = (
    "Halcyon Goods began in 2011 as a two-person workshop in the hills above "
    "Grenoble, repairing old brass desk lamps for neighbours and friends. Over "
    "the following decade the workshop grew into a small company that designs "
    "lamps, kettles, thermos flasks, backpacks and umbrellas, and sells them "
    "through its own web shop and a handful of independent stores across "
    "Europe. The founders insisted from the start that every product should be "
    "repairable: screws instead of glue, spare parts listed in the catalogue "
    "for at least ten years, and service manuals published for anyone who "
    "asks. That policy shaped the engineering team, which spends a surprising "
    "share of its time on documentation, exploded diagrams and replacement "
    "kits rather than on new designs. It also shaped logistics. Because spare "
    "parts must ship quickly, the company keeps two warehouses, one in Tromso "
    "for the northern markets and one in Valencia for the south, and it "
    "promises that orders leave Lyon within two business days. Customer "
    "support works from eight in the morning until six in the evening, Central "
    "European Time, and answers chat requests within ninety seconds on "
    "average. Warranty claims are escalated to the quality desk, which "
    "inspects returned items, records the failure mode, and feeds the results "
    "back to the designers every quarter. The most common failure in the "
    "early years was a cracked hinge on the Aurora desk lamp; the redesigned "
    "hinge, machined from a single aluminium block, cut returns by two thirds. "
    "Today the company employs sixty people, publishes an annual repair "
    "report, and runs workshops where customers learn to replace cables, "
    "switches, seals and zips themselves. Its next project is a modular "
    "kettle whose heating element can be swapped in under five minutes with "
    "a single screwdriver, without any special tools, glue or solder at all."
)

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "How do I reset my password?",
    "Orders ship from Lyon within 2 business days.",
    "The AURORA Desk Lamp has a WARRANTY of 3 years!",
    "Machine learning models turn text into dense vectors for semantic search.",
    "Crème brûlée à Zürich, naïve café; 東京は日本の首都です。",
    "ok",
    LONG_PASSAGE,
]


def build_model() -> SentenceTransformer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        transformer = Transformer(str(MODEL_DIR), max_seq_length=MAX_SEQ_LENGTH)
        pooling = Pooling(384, "mean")
        return SentenceTransformer(modules=[transformer, pooling, Normalize()],
                                   device="cpu")


def main() -> None:
    if not (MODEL_DIR / "model.safetensors").is_file():
        raise SystemExit(f"{MODEL_DIR} is missing; run scripts/fetch-models first")
    torch.manual_seed(0)
    model = build_model()

    tok = model.tokenizer
    token_counts = [len(tok(s, add_special_tokens=True, verbose=False)["input_ids"])
                    for s in SENTENCES]
    assert token_counts[-1] > MAX_SEQ_LENGTH + 40, token_counts

    with torch.inference_mode():
        vecs = model.encode(SENTENCES, batch_size=len(SENTENCES),
                            convert_to_numpy=True)
        # Batched (padded) and one-by-one encoding must agree.
        for s, v in zip(SENTENCES, vecs):
            single = model.encode([s], convert_to_numpy=True)[0]
            assert abs(single - v).max() < 1e-5, s

    assert vecs.shape == (len(SENTENCES), 384), vecs.shape

    data = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "max_seq_length": MAX_SEQ_LENGTH,
        "pooling": "mean",
        "normalized": True,
        "sentences": SENTENCES,
        "token_counts": token_counts,
        "vectors": [[round(float(x), 7) for x in v] for v in vecs],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {OUT} ({len(SENTENCES)} vectors, token counts {token_counts})")


if __name__ == "__main__":
    main()
