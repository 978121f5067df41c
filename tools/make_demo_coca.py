"""Writes the tiny CoCa that `qpert demo` bundles (engine/src/main/resources/org/qpert/demo/tiny-coca/): open_clip's
own CoCa class with its own random initialization, at toy sizes but with the real tokenizer's vocabulary (49408) and
context (76), so captions go through open_clip's tokenizer as for a real checkpoint. Only the retrieval towers are
kept (the caption decoder is not used for retrieval), in float16.

  target/py/bin/python tools/make_demo_coca.py   (torch, open_clip_torch, safetensors from the local wheel cache)
"""
import json
import os
import sys
import types

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402
import open_clip  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine", "src", "main", "resources", "org",
                   "qpert", "demo", "tiny-coca")
CFG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 56, "layers": 2, "width": 48, "head_width": 12, "mlp_ratio": 2.0, "patch_size": 8,
                   "attentional_pool": True, "attn_pooler_queries": 9, "attn_pooler_heads": 4,
                   "output_tokens": True},
    "text_cfg": {"context_length": 76, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 2, "mlp_ratio": 2.0,
                 "embed_cls": True, "output_tokens": True},
    "multimodal_cfg": {"context_length": 76, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1,
                       "mlp_ratio": 2.0},
    "custom_text": True,
}


def main():
    torch.manual_seed(2026)
    open_clip.factory._MODEL_CONFIGS["qpert_demo_coca"] = CFG  # open_clip builds registered configs by name
    model = open_clip.create_model("qpert_demo_coca", pretrained=None)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()
             if not k.startswith("text_decoder.")}
    os.makedirs(OUT, exist_ok=True)
    save_file(state, os.path.join(OUT, "open_clip_model.safetensors"),
              metadata={"source": f"open_clip {open_clip.__version__} CoCa, random init (torch seed 2026)"})
    with open(os.path.join(OUT, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": CFG, "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073],
                                                        "std": [0.26862954, 0.26130258, 0.27577711],
                                                        "interpolation": "bicubic", "resize_mode": "shortest"}},
                  f, indent=1)
    print("wrote", OUT, sum(v.numel() for v in state.values()), "parameters")


if __name__ == "__main__":
    main()
