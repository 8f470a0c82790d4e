"""Fast TF-IDF vectors and scores for queries, from a fitted scikit-learn vectoriser.

Where it sits: inside retrieval. The index is fitted with scikit-learn once at
start-up; per query, these functions do the same arithmetic without scikit-learn's
and scipy's per-call overheads (issue 3: ``ask`` p99 <= 10 ms in process).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

# Above this many stored values to gather, sparse_scores uses scipy's product instead.
GATHER_LIMIT = 20_000


class QueryVectoriser:
    """A fitted ``TfidfVectorizer``'s transform without its per-call input checks.

    scikit-learn's ``transform`` spends over a millisecond validating its input on
    every call, most of the latency budget for the widget (issue 3: p99 <= 10 ms);
    this computes the same vectors (sublinear tf x idf, l2-normalised) from the
    fitted vocabulary and idf. A test keeps it equal to ``transform``.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self._analyse = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = vectorizer.idf_.astype(np.float32)
        self._width = len(self._vocabulary)

    def count(self, text: str) -> dict[int, int]:
        """Term counts of one text, by vocabulary column."""
        row: dict[int, int] = {}
        for gram in self._analyse(text):
            column = self._vocabulary.get(gram)
            if column is not None:
                row[column] = row.get(column, 0) + 1
        return row

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR parts ``(data, indices, indptr)`` of the texts' tf-idf rows."""
        return self.weigh([self.count(text) for text in texts])

    def weigh(self, rows: Sequence[dict[int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR parts of tf-idf rows from term counts (sublinear tf, idf, l2 norm)."""
        indptr = [0]
        indices: list[int] = []
        counts: list[float] = []
        for row in rows:
            indices.extend(row)
            counts.extend(row.values())
            indptr.append(len(indices))
        columns = np.asarray(indices, dtype=np.int64)
        bounds = np.asarray(indptr, dtype=np.int64)
        if not len(columns):
            return np.zeros(0, dtype=np.float32), columns, bounds
        data = (1.0 + np.log(np.asarray(counts, dtype=np.float32))) * self._idf[columns]
        lengths = np.diff(bounds)
        owner = np.repeat(np.arange(len(rows)), lengths)
        norms = np.sqrt(np.bincount(owner, weights=data * data, minlength=len(rows)))
        data = data / np.where(norms > 0, norms, 1.0)[owner]
        return data.astype(np.float32), columns, bounds

    def transform_matrix(self, texts: Sequence[str]) -> csr_matrix:
        data, indices, indptr = self.transform(texts)
        return csr_matrix((data, indices, indptr), shape=(len(texts), self._width))


def sparse_scores(
    query: tuple[np.ndarray, np.ndarray, np.ndarray], matrix: csr_matrix
) -> np.ndarray:
    """Dense ``query @ matrix`` for CSR query rows against a CSR (terms x documents) matrix.

    Done with a few numpy gathers and one ``bincount`` instead of scipy's sparse
    product, whose per-call overhead (format checks, dtype probing) is ~0.3 ms.
    """
    data, columns, bounds = query
    n_queries, n_docs = len(bounds) - 1, matrix.shape[1]
    if not len(columns):
        return np.zeros((n_queries, n_docs), dtype=np.float64)
    starts = matrix.indptr[columns]
    lengths = matrix.indptr[columns + 1] - starts
    if int(lengths.sum()) > GATHER_LIMIT:
        # Much work (a long email, a large knowledge base, character n-grams that occur
        # everywhere): scipy's compiled product scales better than the gathers below,
        # and its fixed overhead no longer dominates.
        rows = csr_matrix((data, columns, bounds), shape=(n_queries, matrix.shape[0]))
        return (rows @ matrix).toarray()
    total = int(lengths.sum())
    # positions into matrix.indices/data of every stored value in the query's term rows
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(total) - np.repeat(offsets - starts, lengths)
    query_row = np.repeat(np.repeat(np.arange(n_queries), np.diff(bounds)), lengths)
    weights = np.repeat(data, lengths) * matrix.data[positions]
    flat = query_row * n_docs + matrix.indices[positions]
    return np.bincount(flat, weights=weights, minlength=n_queries * n_docs).reshape(
        n_queries, n_docs
    )


def take_rows(
    query: tuple[np.ndarray, np.ndarray, np.ndarray], rows: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Some rows of CSR parts ``(data, indices, indptr)``."""
    data, columns, bounds = query
    pieces = [slice(bounds[r], bounds[r + 1]) for r in rows]
    lengths = np.array([bounds[r + 1] - bounds[r] for r in rows], dtype=np.int64)
    new_bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if not pieces:
        return data[:0], columns[:0], new_bounds
    return (
        np.concatenate([data[p] for p in pieces]),
        np.concatenate([columns[p] for p in pieces]),
        new_bounds,
    )


def merge_counts(counted: Sequence[dict[int, int]], group: tuple[int, ...]) -> dict[int, int]:
    if len(group) == 1:
        return counted[group[0]]
    merged: dict[int, int] = {}
    for i in group:
        for column, n in counted[i].items():
            merged[column] = merged.get(column, 0) + n
    return merged
