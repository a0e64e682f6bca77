#!/usr/bin/env python3
"""Python baseline for embedding throughput: sentence-transformers
all-MiniLM-L6-v2 on CPU with 2 torch threads, to compare the Rust embedder
against.

Needs: scripts/fetch-models (fills models/), `pip install sentence-transformers`,
and the SciFact corpus at /work/shared/eval/scifact/corpus.jsonl (or --corpus).

Run:  python3 bench/embed_sbert.py [--repeats 3] [--batch-size 32]

Measures, after a warm-up:
  (a) sentences/s on the first 2,000 SciFact titles (short sentences);
  (b) docs/s on the first 512 abstracts (title + " " + text), truncated by
      the model at 256 word pieces.
Each figure is the median over --repeats runs (best also reported). Note that
SentenceTransformer.encode sorts inputs by length before batching, which
reduces padding. Prints one JSON line on stdout.
"""
import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import torch

try:  # sentence-transformers >= 6
    from sentence_transformers.sentence_transformer.modules import (
        Normalize, Pooling, Transformer)
except ImportError:  # older releases
    from sentence_transformers.models import Normalize, Pooling, Transformer
import sentence_transformers
from sentence_transformers import SentenceTransformer

ROOT = Path(__file__).resolve().parent.parent
MODELS = Path(os.environ.get("COMPANIN_MODELS_DIR", ROOT / "models"))
MODEL_DIR = MODELS / "all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256


def build_model() -> SentenceTransformer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        transformer = Transformer(str(MODEL_DIR), max_seq_length=MAX_SEQ_LENGTH)
        return SentenceTransformer(
            modules=[transformer, Pooling(384, "mean"), Normalize()], device="cpu")


def load_corpus(path: Path, n: int):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) >= n:
                break
    return rows


def timed(model, texts, batch_size, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.encode(texts, batch_size=batch_size, convert_to_numpy=True)
        times.append(time.perf_counter() - t0)
        assert out.shape == (len(texts), 384)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/shared/eval/scifact/corpus.jsonl")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-titles", type=int, default=2000)
    ap.add_argument("--n-docs", type=int, default=512)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = build_model()

    rows = load_corpus(Path(args.corpus), max(args.n_titles, args.n_docs))
    titles = [r["title"] for r in rows[: args.n_titles]]
    docs = [r["title"] + " " + r["text"] for r in rows[: args.n_docs]]
    assert len(titles) == args.n_titles and len(docs) == args.n_docs

    tok = model.tokenizer
    def n_tokens(texts):
        return [min(len(tok(t, verbose=False)["input_ids"]), MAX_SEQ_LENGTH)
                for t in texts]
    title_tokens = n_tokens(titles)
    doc_tokens_full = [len(tok(t, verbose=False)["input_ids"]) for t in docs]
    doc_tokens = [min(n, MAX_SEQ_LENGTH) for n in doc_tokens_full]

    # Warm-up: a few batches of each kind.
    with torch.inference_mode():
        model.encode(titles[:128], batch_size=args.batch_size)
        model.encode(docs[:64], batch_size=args.batch_size)

    t_titles = timed(model, titles, args.batch_size, args.repeats)
    t_docs = timed(model, docs, args.batch_size, args.repeats)

    med_t, med_d = statistics.median(t_titles), statistics.median(t_docs)
    result = {
        "bench": "embed_sbert",
        "model": "all-MiniLM-L6-v2",
        "threads": torch.get_num_threads(),
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "titles": len(titles),
        "titles_mean_tokens": round(sum(title_tokens) / len(title_tokens), 1),
        "sentences_per_s": round(len(titles) / med_t, 1),
        "sentences_per_s_best": round(len(titles) / min(t_titles), 1),
        "docs": len(docs),
        "docs_mean_tokens": round(sum(doc_tokens) / len(doc_tokens), 1),
        "docs_truncated": sum(n > MAX_SEQ_LENGTH for n in doc_tokens_full),
        "docs_per_s": round(len(docs) / med_d, 2),
        "docs_per_s_best": round(len(docs) / min(t_docs), 2),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "python": platform.python_version(),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
