"""The serving fast paths give the numbers the libraries give: one chat turn through the encoder,
and the item scan of the exact scoring path."""
from __future__ import annotations

import numpy as np
import torch

from mmcrec.encoders import minilm
from mmcrec.model import scan

TEXTS = ["blue running shoes under $90", "a", "", "Ünïcode tëxt ☕ mug for my mum",
         "something " * 400,  # cut at the encoder's 128 tokens, as a batch cuts it
         "no wait, a teapot instead"]


def test_one_chat_turn_encodes_as_the_library_does():
    m = minilm()
    assert m._lean is not None, "the CPU fast path should serve a packaged MiniLM"
    padded = m(TEXTS)  # a batch: transformers' own forward, padded and masked
    for i, t in enumerate(TEXTS):
        one = m([t])  # one sentence: the fast path
        assert one.shape == (1, m.dim)
        assert float(one[0] @ padded[i]) > 0.99999, t[:30]
    # and a turn still means what it says: the nearer sentence is the related one
    q, near, far = m(["running shoes"]), m(["sneakers for jogging"]), m(["a porcelain teapot"])
    assert float(q[0] @ near[0]) > float(q[0] @ far[0])


def test_the_serving_scan_equals_the_matrix_product():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((5000, 64), dtype=np.float32))
    q = torch.from_numpy(rng.standard_normal((3, 64), dtype=np.float32))
    with torch.no_grad():
        got = scan(x, q)
    assert got.shape == (3, 5000)
    assert torch.allclose(got, q @ x.T, atol=1e-4)
    # under gradients (training) it stays differentiable
    qg = q.clone().requires_grad_(True)
    scan(x, qg).sum().backward()
    assert qg.grad is not None and torch.allclose(qg.grad, x.sum(0).expand(3, -1), atol=1e-3)
