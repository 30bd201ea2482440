"""Which encoder serves when none is named: open_clip on a GPU when its weights load, else offline.

The device list and the loader are injected (a CPU machine has no GPU, and tests never download);
the choice itself is the real function. The loaders below really build open_clip models.
"""
from __future__ import annotations

import pytest
import torch

from mmcrec.encoders import (GPU_ENCODER, OpenClipEncoder, choose_default_encoder, create_encoder, parse_spec,
                             resolve_encoder)


class Loader:
    """Builds open_clip ViT-B-32 on the CPU with the given weights, recording what it was asked for."""

    def __init__(self, weights: str | None):
        self.weights, self.asked = weights, []

    def __call__(self, spec: str):
        self.asked.append(spec)
        _, arch, _ = parse_spec(spec)
        return OpenClipEncoder(arch, self.weights, device="cpu")


def test_without_a_gpu_the_offline_pair_serves_and_no_weights_are_fetched():
    load = Loader(None)
    spec, reason = choose_default_encoder(devices=["cpu"], load=load)
    assert spec == "offline" and reason == "offline encoders: no GPU found"
    assert load.asked == []  # the hub is never contacted on a CPU machine


def test_with_a_gpu_and_loadable_weights_open_clip_serves():
    load = Loader(None)  # pretrained=None: the same model code path, random weights, no download
    spec, reason = choose_default_encoder(devices=["cuda:0", "cpu"], load=load)
    assert spec == GPU_ENCODER == "openclip:ViT-B-32/laion2b_s34b_b79k"
    assert load.asked == [GPU_ENCODER]
    assert "fp16 on cuda:0" in reason


def test_with_a_gpu_but_weights_that_fail_to_load_the_offline_pair_serves_and_says_why(tmp_path):
    broken = tmp_path / "open_clip_model.safetensors"
    broken.write_bytes(b"not a checkpoint: a download cut short")
    load = Loader(str(broken))
    spec, reason = choose_default_encoder(devices=["cuda:0", "cpu"], load=load)
    assert spec == "offline" and load.asked == [GPU_ENCODER]
    assert reason.startswith("offline encoders: open_clip weights could not be loaded (")
    assert len(reason.splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the default of a machine without a GPU")
def test_the_default_here_is_offline_without_touching_the_hub(monkeypatch):
    monkeypatch.delenv("MMCREC_ENCODER", raising=False)

    def no_download(spec):
        raise AssertionError(f"tried to load {spec}")

    assert choose_default_encoder(load=no_download) == ("offline", "offline encoders: no GPU found")
    enc = create_encoder()
    assert enc.name == "offline" and enc.reason == "offline encoders: no GPU found"


def test_a_named_encoder_always_wins(monkeypatch):
    monkeypatch.setenv("MMCREC_ENCODER", "openclip:ViT-B-32/none")
    assert resolve_encoder() == ("openclip:ViT-B-32/none", "named with MMCREC_ENCODER")
    assert resolve_encoder("offline") == ("offline", "named with --encoder or MMCREC_ENCODER")
    enc = create_encoder("offline")
    assert enc.reason == "named with --encoder or MMCREC_ENCODER"
