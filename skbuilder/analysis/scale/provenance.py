"""What a result was made from: the spec and each seed's initial weights, hashed (the commit
is ``skbuilder.provenance.commit``).

A results file records these so that a test can tell whether the current code would still
produce it: rebuilding a seed's network costs a fraction of a second, training it minutes.
"""

from __future__ import annotations

import hashlib
import json

from torch import nn

from skbuilder.spec import NetworkSpec


def spec_hash(spec: NetworkSpec) -> str:
    """SHA-256 of the spec as written: the canonical JSON (keys sorted) of the fields it sets.

    Settings it leaves to their defaults are out, so a later version that adds a setting
    (whose default keeps the network as it was) does not change the hash; whether the network
    is still built the same is what the initial weights' hash tells."""
    written = spec.model_dump(mode="json", exclude_unset=True)
    text = json.dumps(written, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def weights_hash(model: nn.Module) -> str:
    """SHA-256 over the state dict: every name, dtype, shape and the bytes of every tensor."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{t.dtype}:{tuple(t.shape)};".encode())
        digest.update(t.reshape(-1).numpy().tobytes())
    return digest.hexdigest()
