#!/usr/bin/env python3
"""Lexical BM25 baseline for the Spanish retrieval evaluation of `companin eval`.

Reads a SQuAD-v1-format file (e.g. MLQA dev-context-es-question-es.json or
dev-context-en-question-es.json), treats every distinct context as one
document and every question as a query whose only relevant document is its
own context, then prints recall@1, recall@5 and MRR@10 as one JSON line.

With --limit N only the first N questions (file order) are scored; the corpus
always holds every distinct context of the file.

Install the dependencies with:  pip install bm25s PyStemmer
Example:  python bench/bm25_es.py --file dev-context-es-question-es.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import bm25s
import Stemmer

STOPWORDS = {"spanish": "es", "english": "en"}


def load_squad(path: Path, titles: bool) -> tuple[list[str], list[str], list[int]]:
    """Return (documents, questions, index of each question's document).

    With `titles`, each document starts with its article's title, as the knowledge items of
    `companin eval squad` do.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    documents: list[str] = []
    doc_index: dict[str, int] = {}
    questions: list[str] = []
    gold: list[int] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            if context not in doc_index:
                doc_index[context] = len(documents)
                documents.append(f"{article.get('title', '')}\n{context}" if titles else context)
            for qa in paragraph["qas"]:
                questions.append(qa["question"])
                gold.append(doc_index[context])
    return documents, questions, gold


def evaluate(ranked: list[list[int]], gold: list[int]) -> dict[str, float]:
    """Recall@1, recall@5 and MRR@10 for one relevant document per query."""
    hits1 = hits5 = 0
    reciprocal = 0.0
    for docs, target in zip(ranked, gold):
        rank = docs.index(target) + 1 if target in docs else None
        if rank is None:
            continue
        hits1 += rank == 1
        hits5 += rank <= 5
        reciprocal += 1.0 / rank if rank <= 10 else 0.0
    n = len(gold)
    return {
        "recall@1": round(hits1 / n, 4),
        "recall@5": round(hits5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, required=True, help="SQuAD-format JSON file")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N questions")
    parser.add_argument(
        "--stemmer-language",
        choices=sorted(STOPWORDS),
        default="spanish",
        help="Snowball stemmer and stop-word list applied to documents and questions",
    )
    parser.add_argument(
        "--no-titles",
        action="store_true",
        help="documents without their article's title (companin's items carry it)",
    )
    args = parser.parse_args()

    documents, questions, gold = load_squad(args.file, titles=not args.no_titles)
    if args.limit is not None:
        questions, gold = questions[: args.limit], gold[: args.limit]

    stemmer = Stemmer.Stemmer(args.stemmer_language)
    stopwords = STOPWORDS[args.stemmer_language]

    def tokenize(texts: list[str]) -> bm25s.tokenization.Tokenized:
        return bm25s.tokenize(texts, stopwords=stopwords, stemmer=stemmer, show_progress=False)

    retriever = bm25s.BM25()
    retriever.index(tokenize(documents), show_progress=False)
    k = min(10, len(documents))
    ids, _scores = retriever.retrieve(tokenize(questions), k=k, show_progress=False)

    result = {
        "file": str(args.file),
        "questions": len(questions),
        "documents": len(documents),
        "stemmer": args.stemmer_language,
        "titles": not args.no_titles,
        **evaluate([row.tolist() for row in ids], gold),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
