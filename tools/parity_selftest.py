#!/usr/bin/env python3
"""Builds tiny random checkpoints of each family with the real Python classes, saved as a user's folder would be.

    python3 tools/parity_selftest.py blip2 DIR      # save_pretrained: config.json, model.safetensors, tokenizer, processor
    python3 tools/parity_selftest.py owlv2 DIR
    python3 tools/parity_selftest.py images DIR     # a few synthetic PNG/JPEG images of different sizes and modes

tools/parity-selftest.sh runs these, exports each folder with tools/export_parity.py and checks it with `qpert parity`.
Every parameter is redrawn (a fixed seed per family) so that no check passes because a weight is zero or one.
"""
import argparse
import os

import export_parity  # noqa: F401  (first: it makes torchvision importable before transformers imports it)

SEED = 20261207


def randomize(model, seed):
    """Every floating parameter redrawn: norm weights 1 + N(0, 0.1²), biases N(0, 0.1²), matrices N(0, 1/fan_in),
    embeddings and other tensors N(0, 0.5²). Initializers leave biases at 0 and norms at 1, which would hide mistakes."""
    import torch
    g = torch.Generator().manual_seed(seed)
    norms = {id(m.weight) for m in model.modules() if "Norm" in type(m).__name__ and getattr(m, "weight", None) is not None}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if id(p) in norms:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() >= 2 and "embed" not in name and "query_tokens" not in name:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)
            else:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
    return model.eval()


def save_rounded(model, out):
    """model-f16.safetensors and model-bf16.safetensors next to model.safetensors: every weight rounded (to nearest
    even), as a 16-bit checkpoint of the same model is stored."""
    import torch
    from safetensors.torch import save_file
    for name, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16)):
        tensors = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
        save_file(tensors, os.path.join(out, f"model-{name}.safetensors"), metadata={"format": "pt"})


def _word_vocab(specials, words):
    return list(specials) + sorted(set(words))


CAPTION_WORDS = "a dog on sofa red car two cats the photo of beach woman and her sitting in".split()


def build_blip2(out):
    """A BLIP-2 retrieval model as tiny as tiny-blip2 (vision 64 wide, Q-Former 32 wide, cross-attention in layers 0
    and 2), a WordPiece vocabulary of the captions' words and the image processor at 56 pixels."""
    from transformers import (BertTokenizer, Blip2Config, Blip2ForImageTextRetrieval, BlipImageProcessor)
    os.makedirs(out, exist_ok=True)
    vocab = _word_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], CAPTION_WORDS)
    vocab_file = os.path.join(out, "vocab.txt")
    with open(vocab_file, "w") as f:
        f.write("\n".join(vocab) + "\n")
    tokenizer = BertTokenizer(vocab_file, do_lower_case=True)
    config = Blip2Config(
        vision_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                           image_size=56, patch_size=14),
        qformer_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=4,
                            encoder_hidden_size=64, max_position_embeddings=40, vocab_size=len(vocab),
                            cross_attention_frequency=2, use_qformer_text_input=True),
        num_query_tokens=8, image_text_hidden_size=24)
    model = randomize(Blip2ForImageTextRetrieval(config), SEED)
    model.save_pretrained(out)
    save_rounded(model, out)
    tokenizer.save_pretrained(out)
    BlipImageProcessor(size={"height": 56, "width": 56}, image_mean=[0.48145466, 0.4578275, 0.40821073],
                       image_std=[0.26862954, 0.26130258, 0.27577711]).save_pretrained(out)
    print(f"{out}: tiny BLIP-2 ({sum(p.numel() for p in model.parameters())} parameters)")


def build_owlv2(out):
    """An OWLv2 detector as tiny as tiny-owlv2 (vision 48 wide, image 96, patch 16; text 32 wide) with a CLIP BPE
    vocabulary of single letters (every word splits into its letters), bos/eos the two highest ids as in CLIP."""
    import json
    from transformers import CLIPTokenizer, Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor
    os.makedirs(out, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces = ["!"] + letters + [c + "</w>" for c in letters] + ["<|startoftext|>", "<|endoftext|>"]
    vocab = {p: i for i, p in enumerate(pieces)}
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(out, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
    tokenizer = CLIPTokenizer(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"), pad_token="!")
    config = Owlv2Config(
        text_config=dict(hidden_size=32, intermediate_size=56, num_hidden_layers=2, num_attention_heads=4,
                         vocab_size=len(vocab), bos_token_id=vocab["<|startoftext|>"],
                         eos_token_id=vocab["<|endoftext|>"], pad_token_id=0, max_position_embeddings=16),
        vision_config=dict(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                           image_size=96, patch_size=16),
        projection_dim=32)
    model = randomize(Owlv2ForObjectDetection(config), SEED + 1)
    model.save_pretrained(out)
    processor = Owlv2Processor(image_processor=Owlv2ImageProcessor(size={"height": 96, "width": 96}),
                               tokenizer=tokenizer)
    processor.save_pretrained(out)
    print(f"{out}: tiny OWLv2 ({sum(p.numel() for p in model.parameters())} parameters)")


def build_coca(out):
    """A CoCa as tiny as tiny-coca (vision 48 wide, patch 8 at 56; pooler 9 queries x 40, 5 heads; text 40 wide) but
    with the real tokenizer's vocabulary (49408), so captions go through open_clip's own tokenizer; saved as a Hub
    folder is: open_clip_config.json + open_clip_model.safetensors (and 16-bit copies)."""
    import json
    import open_clip
    from safetensors.torch import save_file
    os.makedirs(out, exist_ok=True)
    vocab, context = 49408, 16
    model_cfg = {
        "embed_dim": 40,
        "vision_cfg": {"image_size": 56, "layers": 2, "width": 48, "head_width": 12, "mlp_ratio": 2.5,
                       "patch_size": 8, "attentional_pool": True, "attn_pooler_queries": 9, "attn_pooler_heads": 5,
                       "output_tokens": True},
        "text_cfg": {"context_length": context, "vocab_size": vocab, "width": 40, "heads": 4, "layers": 2,
                     "mlp_ratio": 2.75, "embed_cls": True, "output_tokens": True},
        "multimodal_cfg": {"context_length": context, "vocab_size": vocab, "width": 40, "heads": 2, "layers": 1,
                           "mlp_ratio": 3.5},
        "custom_text": True,
    }
    preprocess_cfg = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
                      "interpolation": "bicubic", "resize_mode": "shortest"}
    with open(os.path.join(out, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": model_cfg, "preprocess_cfg": preprocess_cfg}, f, indent=2)
    model = randomize(open_clip.CoCa(**{k: v for k, v in model_cfg.items() if k != "custom_text"}), SEED + 2)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "open_clip_model.safetensors"), metadata={"format": "pt"})
    save_rounded(model, out)
    print(f"{out}: tiny CoCa ({sum(p.numel() for p in model.parameters())} parameters)")


def compare_with_fixture(stages, reference, fixture, tolerance=1e-5):
    """Each stage against the fixture's tensor of that key: same shape, same infinite entries, and
    max|a - b| / max(1, max|b|) within tolerance. Exits non-zero on the first difference."""
    import torch
    worst = 0.0
    for key, mine in stages.items():
        if key not in reference:
            raise SystemExit(f"{key}: the exporter writes it but {fixture} has no such key")
        ref = reference[key].to(mine.dtype)
        finite = torch.isfinite(ref)
        if mine.shape != ref.shape or not torch.equal(finite, torch.isfinite(mine)) \
                or not torch.equal(mine[~finite], ref[~finite]):
            raise SystemExit(f"{key}: shape {list(mine.shape)} or its infinite entries differ from {fixture}")
        diff = (mine - ref)[finite].abs().max().double() if finite.any() else torch.tensor(0.0)
        err = (diff / ref[finite].abs().max().double().clamp(min=1)).item() if finite.any() else 0.0
        if err > tolerance:
            raise SystemExit(f"{key}: relative error {err:.2e} against {fixture} (tolerance {tolerance})")
        worst = max(worst, err)
    return worst


def check_coca_fixture(fixture):
    """The exporter's CoCa stages on testdata/parity/tiny-coca's model and inputs reproduce that fixture's activations
    (made by an independent script): the keys mean what qpert parity expects. Exits non-zero on a difference."""
    import open_clip
    reference, _ = export_parity.read_safetensors(os.path.join(fixture, "activations.safetensors"))
    model = open_clip.create_model("local-dir:" + fixture, precision="fp32").eval()
    stages = export_parity.coca_stages(model, reference["inputs/pixel_values"], reference["inputs/text"])
    worst = compare_with_fixture(stages, reference, fixture)
    print(f"{fixture}: the exporter's {len(stages)} CoCa stages reproduce the fixture (max relative error {worst:.1e})")


def check_coca_qpert_fixture(fixture):
    """The exporter's CoCa Q-Perturbation on testdata/parity/tiny-coca's model, inputs and boxes reproduces each
    qpert-* case there (an independent implementation): 1e-4 on P̄ and perturbed outputs, k exact."""
    import glob
    import json
    import open_clip
    import torch
    model = open_clip.create_model("local-dir:" + fixture, precision="fp32").eval()
    activations, _ = export_parity.read_safetensors(os.path.join(fixture, "activations.safetensors"))
    for case in sorted(glob.glob(os.path.join(fixture, "qpert-*"))):
        reference, _ = export_parity.read_safetensors(os.path.join(case, "qpert.safetensors"))
        with open(os.path.join(case, "qpert.json")) as f:
            spec = json.load(f)
        settings = {"alpha": spec["alpha"], "tau": spec["tau"], "weight": spec["weight"].lower()}
        sizes = [(e["height"], e["width"]) for e in spec["images"]]
        boxes = [e["boxes_xyxy"] for e in spec["images"]]
        out, geometries = export_parity.coca_qpert_case(model, reference["inputs/pixel_values"],
                                                        activations["inputs/text"], sizes, boxes, settings)
        if set(out) != set(reference):
            raise SystemExit(f"{case}: the exporter writes keys {sorted(set(out) - set(reference))} the fixture lacks "
                             f"and lacks {sorted(set(reference) - set(out))}")
        if geometries != [e["resize_crop"] for e in spec["images"]]:
            raise SystemExit(f"{case}: resize/crop {geometries}, the fixture has {[e['resize_crop'] for e in spec['images']]}")
        for key in ("objects/k", "objects/image_index"):
            if not torch.equal(out[key], reference[key]):
                raise SystemExit(f"{case}: {key} = {out[key].tolist()}, the fixture has {reference[key].tolist()}")
        floats = {k: v for k, v in out.items() if v.dtype == torch.float32 and not k.startswith("inputs/")}
        worst = compare_with_fixture(floats, reference, case, tolerance=1e-4)
        print(f"{case}: the exporter's CoCa Q-Perturbation reproduces it ({len(floats)} tensors, max relative error "
              f"{worst:.1e}; k and crop geometry exact)")


def check_internvl_fixture(model_dir, fixture, tokenizer_cases):
    """The exporter's InternVL stages, run by the remote code in model_dir on the weights and inputs of fixture
    (parity/tiny-internvl, made by an independent script), reproduce its activations; and its token ids reproduce
    tokenizer_cases (text -> ids of that fixture's tokenizer.model)."""
    import json
    import torch
    with open(tokenizer_cases) as f:
        cases = json.load(f)
    texts = [c["text"] for c in cases["cases"]]
    ids = export_parity.internvl_ids(model_dir, texts, cases["max_length"])
    for row, case in zip(ids.tolist(), cases["cases"]):
        if row != case["input_ids"]:
            raise SystemExit(f"{tokenizer_cases}: {case['text']!r} -> {row}, the fixture has {case['input_ids']}")
    reference, _ = export_parity.read_safetensors(os.path.join(fixture, "activations.safetensors"))
    model, _ = export_parity.load_internvl(model_dir)
    stages = export_parity.internvl_stages(model, reference["inputs/pixel_values"], reference["inputs/input_ids"])
    worst = compare_with_fixture(stages, reference, fixture)
    rounded = export_parity._rounded_copy(model, torch.float16)
    f16 = export_parity.internvl_features(rounded, reference["inputs/pixel_values"], reference["inputs/input_ids"])
    worst = max(worst, compare_with_fixture({f"f16w/{k}": v for k, v in f16.items()}, reference, fixture))
    print(f"{fixture}: the exporter's {len(stages) + len(f16)} InternVL stages reproduce the fixture (max relative "
          f"error {worst:.1e}); {len(texts)} tokenizer cases agree")


def build_internvl(out, remote_code, tokenizer_model):
    """An InternVL as tiny as parity/tiny-internvl (InternViT 48 wide, 2 layers, 3 heads, QK-norm; QLLaMA 40 wide,
    4 layers, 5 heads, cross-attention in layers 0 and 2, 6 queries; embedding 28), laid out as the Hub folder is:
    config.json (with auto_map), the repository's *.py, model.safetensors (and 16-bit copies), tokenizer.model.
    The code hard-codes the real model's cross-attention vision width (3200) and query count (96); this folder's copy
    of modeling_qllama.py has them set to the tiny model's (the only change, printed)."""
    import glob
    import shutil
    from safetensors.torch import save_file
    from transformers.dynamic_module_utils import get_class_from_dynamic_module
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(remote_code, "*.py")) + [os.path.join(remote_code, "LICENSE")]:
        shutil.copy(f, out)
    vision_width, queries = 48, 6
    path = os.path.join(out, "modeling_qllama.py")
    with open(path) as f:
        code = f.read()
    for old, new in (("self.vision_hidden_size = 3200", f"self.vision_hidden_size = {vision_width}"),
                     ("self.num_query_token = 96", f"self.num_query_token = {queries}")):
        if code.count(old) != 1:
            raise SystemExit(f"{path}: expected one '{old}' to set the tiny size")
        code = code.replace(old, new)
        print(f"{path}: '{old}' -> '{new}'")
    with open(path, "w") as f:
        f.write(code)
    shutil.copy(tokenizer_model, os.path.join(out, "tokenizer.model"))
    export_parity.stub_peft()
    config_cls = get_class_from_dynamic_module("configuration_internvl.InternVLConfig", out)
    config = config_cls(
        vision_config=dict(hidden_size=vision_width, intermediate_size=88, num_hidden_layers=2, num_attention_heads=3,
                           image_size=56, patch_size=14, qkv_bias=False, qk_normalization=True, use_flash_attn=False,
                           drop_path_rate=0.0),
        qllama_config=dict(hidden_size=40, intermediate_size=72, num_hidden_layers=4, num_attention_heads=5,
                           vocab_size=300, max_position_embeddings=64, pad_token_id=0, bos_token_id=1, eos_token_id=2),
        clip_embed_dim=28, attn_pool_num_heads=4, num_query_token=queries, cross_attention_frequency=2)
    config.auto_map = {"AutoConfig": "configuration_internvl.InternVLConfig",
                       "AutoModel": "modeling_internvl.InternVLModel"}
    config.architectures = ["InternVLModel"]
    model = randomize(get_class_from_dynamic_module("modeling_internvl.InternVLModel", out)(config), SEED + 3)
    config.save_pretrained(out)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    save_rounded(model, out)
    print(f"{out}: tiny InternVL ({sum(p.numel() for p in model.parameters())} parameters)")


def check_blip2_qpert_fixture(fixture):
    """The exporter's Q-Perturbation on testdata/parity/tiny-blip2's model, inputs and boxes reproduces each qpert-*
    case there (made by an independent implementation): 1e-4 on P̄ and perturbed outputs, exact on k."""
    import glob
    import json
    import torch
    from transformers import Blip2ForImageTextRetrieval
    model = Blip2ForImageTextRetrieval.from_pretrained(fixture, dtype=torch.float32, attn_implementation="eager").eval()
    cases = sorted(glob.glob(os.path.join(fixture, "qpert-*")))
    for case in cases:
        reference, _ = export_parity.read_safetensors(os.path.join(case, "qpert.safetensors"))
        with open(os.path.join(case, "qpert.json")) as f:
            spec = json.load(f)
        settings = {"alpha": spec["alpha"], "tau": spec["tau"], "weight": spec["weight"].lower(),
                    "cross_attention_layers": spec.get("cross_attention_layers")}
        sizes = [(e["height"], e["width"]) for e in spec["images"]]
        boxes = [e["boxes_xyxy"] for e in spec["images"]]
        out = export_parity.blip2_qpert_case(model, reference["inputs/pixel_values"], reference["inputs/input_ids"],
                                             reference["inputs/attention_mask"], sizes, boxes, settings)
        for key in ("objects/k", "objects/image_index", "itm/pair_image", "itm/pair_text"):
            if not torch.equal(out[key], reference[key]):
                raise SystemExit(f"{case}: {key} = {out[key].tolist()}, the fixture has {reference[key].tolist()}")
        floats = {k: v for k, v in out.items() if v.dtype == torch.float32 and not k.startswith("inputs/")}
        worst = compare_with_fixture(floats, reference, case, tolerance=1e-4)
        print(f"{case}: the exporter's Q-Perturbation reproduces it ({len(floats)} tensors, max relative error "
              f"{worst:.1e}; k exact)")


def build_images(out):
    """Synthetic images: an RGB gradient (landscape), a grayscale one (portrait), an RGBA one and a JPEG."""
    import numpy as np
    from PIL import Image
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    h, w = 75, 100
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // w, y * 255 // h, (x + y) % 256], -1).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(out, "rgb_100x75.png"))
    Image.fromarray(rng.integers(0, 256, (90, 60), dtype=np.uint8), "L").save(os.path.join(out, "gray_60x90.png"))
    rgba = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(os.path.join(out, "rgba_64x64.png"))
    Image.fromarray(rgb[::-1]).save(os.path.join(out, "photo_100x75.jpg"), quality=90)
    print(f"{out}: 4 images")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["blip2", "owlv2", "coca", "internvl", "images", "check-coca-fixture",
                                     "check-internvl-fixture", "check-blip2-qpert-fixture",
                                     "check-coca-qpert-fixture"])
    ap.add_argument("paths", nargs="+", help="the folder to write; check-coca-fixture: the fixture folder; "
                                             "check-internvl-fixture: model folder, fixture folder, cases.json")
    args = ap.parse_args()
    {"blip2": build_blip2, "owlv2": build_owlv2, "coca": build_coca, "internvl": build_internvl,
     "images": build_images, "check-coca-fixture": check_coca_fixture,
     "check-internvl-fixture": check_internvl_fixture, "check-blip2-qpert-fixture": check_blip2_qpert_fixture,
     "check-coca-qpert-fixture": check_coca_qpert_fixture}[args.what](*args.paths)


if __name__ == "__main__":
    main()
