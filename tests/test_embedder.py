"""The embedder's two backends: ONNX Runtime for the bundled model, torch for any other."""

from __future__ import annotations

import numpy as np

from index.embedder import BUNDLED_MODEL, Embedder

TEXTS = [
    "We are already employing different software options (tuServ) to capture demographic data.",
    "Outcome 22",
    "The Chief Constable accepts both recommendations and will report progress to my office "
    "through the quarterly Accountability Board, alongside the serious violence needs assessment.",
]


def test_bundled_model_runs_on_onnx_and_matches_torch(embedder: Embedder) -> None:
    assert embedder.backend == "onnx"
    torch_embedder = Embedder(BUNDLED_MODEL, backend="torch")
    onnx_vectors = embedder.encode_documents(TEXTS)
    torch_vectors = torch_embedder.encode_documents(TEXTS)
    assert onnx_vectors.dtype == np.float32 and onnx_vectors.shape == (3, embedder.dim)
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(onnx_vectors * torch_vectors, axis=1)) > 0.99999
    assert [embedder.count_tokens(t) for t in TEXTS] == [
        torch_embedder.count_tokens(t) for t in TEXTS
    ]
    assert embedder.max_tokens == torch_embedder.max_tokens == 256


def test_input_order_is_kept_whatever_the_batches(embedder: Embedder) -> None:
    """Texts are embedded shortest first, in parallel batches; results come back in order."""
    texts = [f"Recommendation {n}: " + "the force will act. " * (n % 7) for n in range(40)]
    together = Embedder(embedder.model, batch_size=3).encode_documents(texts)
    alone = np.vstack([embedder.encode_query(t) for t in texts[:5]])
    assert np.allclose(together[:5], alone, atol=1e-5)


def test_unknown_backend_lists_the_valid_ones() -> None:
    try:
        Embedder(backend="tpu")
    except ValueError as error:
        assert "auto, onnx, torch" in str(error)
    else:
        raise AssertionError("an unknown backend must be refused")
