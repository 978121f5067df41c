"""Test pickles for the checkpoint converter (org.qpert.loaders.pickle), made with real PyTorch.

Run: target/py/bin/python tools/make_test_pickles.py loaders/src/test/resources/pickle   (torch 2.13.0+cpu)
Good files NAME.bin come with NAME.expected.safetensors (the tensors torch saved, made contiguous, written by the
small writer below). The malicious files would create MARKER if a real pickle loader ever ran them; the Java
tests check that the converter refuses each by name and that MARKER does not appear.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch

out = sys.argv[1]
MARKER = "/tmp/qpert-pickle-was-executed"
os.makedirs(out, exist_ok=True)


def write_safetensors(path, tensors):
    """u64 header length, JSON header, little-endian bytes: the safetensors format."""
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


g = torch.Generator().manual_seed(7)
base = torch.randn(6, 8, generator=g)
state = collections.OrderedDict()
state["visual.proj"] = torch.randn(4, 5, generator=g)
state["visual.ln.weight"] = torch.randn(5, generator=g).half()
state["text.token_embedding.weight"] = torch.randn(3, 4, generator=g).bfloat16()
state["shared.a"] = base[1:4]                       # a view at an offset into a shared storage
state["shared.b_transposed"] = base.t()             # non-contiguous (strides 1, 8)
state["shared.c_strided"] = base[::2, 1::3]         # non-contiguous with an offset
state["logit_scale"] = torch.tensor(2.5)            # a 0-d tensor
state["counts"] = torch.arange(5)                   # int64
state["empty"] = torch.zeros(0, 3)
state._metadata = collections.OrderedDict([("", {"version": 1}), ("visual", {"version": 2})])
torch.save(state, os.path.join(out, "state_dict.bin"))
write_safetensors(os.path.join(out, "state_dict.expected.safetensors"), state)

# open_clip's training checkpoints: {"epoch", "state_dict": {"module.*": ...}}; parameters pickled as Parameters.
wrapped = {"epoch": 3, "name": "run", "state_dict": collections.OrderedDict(
    [("module.visual.proj", torch.nn.Parameter(state["visual.proj"].clone())),
     ("module.logit_scale", torch.nn.Parameter(torch.tensor(4.0)))])}
torch.save(wrapped, os.path.join(out, "wrapped.bin"))
write_safetensors(os.path.join(out, "wrapped.expected.safetensors"),
                  {"visual.proj": state["visual.proj"], "logit_scale": torch.tensor(4.0)})

with zipfile.ZipFile(os.path.join(out, "state_dict.bin")) as src:
    GOOD = {i.filename: src.read(i) for i in src.infolist()}
PKL = next(n for n in GOOD if n.endswith("/data.pkl"))


def zip_with(name, replace=None, drop=None):
    """state_dict.bin's entries with data.pkl replaced and/or one entry left out."""
    with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_STORED) as z:
        for n, data in GOOD.items():
            if drop and n.endswith(drop):
                continue
            z.writestr(n, replace if (replace is not None and n == PKL) else data)


class Payload:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


touch = "touch " + MARKER
zip_with("evil_os_system.bin", pickle.dumps({"w": Payload(os.system, touch)}, protocol=2))
zip_with("evil_eval.bin", pickle.dumps({"w": Payload(eval, "__import__('os').system('%s')" % touch)}, protocol=2))
# posix.system with the text GLOBAL opcode, as hand-made exploits write it.
zip_with("evil_posix_system.bin", b"cposix\nsystem\n(V" + touch.encode() + b"\ntR.")
# A torch name that is not a storage or tensor-rebuild function.
zip_with("evil_torch_load.bin", pickle.dumps(Payload(torch.load, "/etc/passwd"), protocol=2))
# STACK_GLOBAL (protocol 4) naming builtins.exec.
zip_with("evil_stack_global.bin", pickle.dumps(Payload(exec, "open('%s','w')" % MARKER), protocol=4))

with open(os.path.join(out, "state_dict.bin"), "rb") as f:
    good = f.read()
with open(os.path.join(out, "truncated.bin"), "wb") as f:
    f.write(good[: len(good) // 2])
zip_with("missing_storage.bin", drop="/data/0")
# A BINUNICODE that declares 2^31 - 1 bytes in a file of a few hundred.
zip_with("huge_length.bin", b"\x80\x02X\xff\xff\xff\x7f" + b"abc")

# A tensor whose declared size needs more bytes than its storage holds.
buf = io.BytesIO()
torch.save({"t": torch.zeros(4)}, buf)
with zipfile.ZipFile(buf) as src:
    small = {i.filename: src.read(i) for i in src.infolist()}
small_pkl = next(n for n in small if n.endswith("/data.pkl"))
patched = small[small_pkl].replace(b"K\x04\x85", b"J\x00\x00\x00\x01\x85", 1)  # size (4,) -> (16777216,)
assert patched != small[small_pkl], "size opcode not found"
with zipfile.ZipFile(os.path.join(out, "oversized_view.bin"), "w", zipfile.ZIP_STORED) as z:
    for n, data in small.items():
        z.writestr(n, patched if n == small_pkl else data)

# The legacy (non-zip) format.
torch.save({"t": torch.zeros(4)}, os.path.join(out, "legacy.bin"), _use_new_zipfile_serialization=False)
print("wrote", sorted(os.listdir(out)))
