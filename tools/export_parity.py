#!/usr/bin/env python3
"""Export the PyTorch activations that `qpert parity` compares qpert against, for YOUR checkpoint.

    python3 tools/export_parity.py blip2 --model Salesforce/blip2-itm-vit-g \
        --images a.jpg b.jpg --captions "a dog on a sofa" "a red car" --weights16 f16 --out blip2-parity.safetensors
    ./qpert parity --model Salesforce/blip2-itm-vit-g --activations blip2-parity.safetensors
    (add --boxes boxes.json --qpert-out DIR for a Q-Perturbation case: ./qpert parity --model ... --qpert DIR)

    python3 tools/export_parity.py owlv2 --model google/owlv2-base-patch16-ensemble \
        --images a.jpg --queries "a dog" "a remote control" --out owlv2-parity.safetensors
    ./qpert parity --model google/owlv2-base-patch16-ensemble --activations owlv2-parity.safetensors

    python3 tools/export_parity.py coca --model DIR --images a.jpg --captions "a dog" --weights16 f16 \
        --out coca-parity/activations.safetensors
    ./qpert parity --model DIR --activations coca-parity/activations.safetensors
    (add --boxes boxes.json --qpert-out coca-parity/qpert: ./qpert parity --model DIR --qpert coca-parity/qpert;
    the case reads its texts from the activations.safetensors beside its folder, so --out must be that file)

    python3 tools/export_parity.py internvl --model InternVL-14B-224px --images a.jpg --captions "a dog" \
        --out internvl-parity.safetensors      (qpert does not read InternVL yet)

Run with torch 2.13.0+cpu, transformers 5.17.0, open_clip_torch 3.3.0, timm 1.0.29, einops 0.8.2 (parity-selftest.sh
installs exactly these and exports a tiny model of every family with them); the versions of a run are printed and
stored in the file's metadata. Every stage is captured with forward hooks on the modules of that name, in float32,
eval mode, eager attention; the key names are those `qpert parity` reads (testdata/parity/README.md). The file is
written in the safetensors format by hand (8-byte little-endian header length, JSON header, tensor bytes).

torchvision: open_clip, and transformers' image utilities, import torchvision. A torchvision wheel built for CUDA
next to a CPU torch cannot load its C ops (`torchvision/_C.so`), and its import then fails while registering fake
kernels for those ops. None of the models here calls them (nms, roi_align, ...), so when `_C.so` does not load, the
module that registers them (`torchvision._meta_registrations`) is replaced by an empty one before the first import
(`guard_torchvision`); the metadata says so.
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import struct
import sys
import types

TESTED_WITH = "torch 2.13.0+cpu, transformers 5.17.0, open_clip_torch 3.3.0, timm 1.0.29, einops 0.8.2"


def guard_torchvision():
    """Makes `import torchvision` work where its C ops cannot load (see the module doc); says what it found."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None:
        return "not installed"
    if "torchvision" in sys.modules:
        return "already imported"
    import glob
    import torch
    libs = glob.glob(os.path.join(spec.submodule_search_locations[0], "_C*.so"))
    try:
        torch.ops.load_library(libs[0])
        return "C ops loaded"
    except (IndexError, OSError, RuntimeError) as e:
        name = "torchvision._meta_registrations"
        sys.modules[name] = types.ModuleType(name)
        return f"C ops do not load ({type(e).__name__}); their fake-kernel registrations were skipped"


TORCHVISION = guard_torchvision()


def versions():
    """The installed versions of the packages an export can use (stored in the metadata and printed)."""
    from importlib import metadata
    out = {"python": sys.version.split()[0]}
    for package in ("torch", "transformers", "open_clip_torch", "timm", "einops", "torchvision", "pillow", "numpy",
                    "sentencepiece", "safetensors"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    out["torchvision_ops"] = TORCHVISION
    return out


# ---------------------------------------------------------------------------------------------------------------------
# safetensors, by hand

def _dtype_names():
    import torch
    return {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
            torch.int32: "I32", torch.uint8: "U8"}


def _tensor_bytes(t):
    """Little-endian bytes of a tensor, row-major."""
    import torch
    t = t.detach().cpu().contiguous()
    if sys.byteorder != "little":
        raise SystemExit("export_parity.py writes little-endian safetensors and needs a little-endian machine")
    raw = t.reshape(-1).view(torch.uint8) if t.numel() else t.reshape(-1).to(torch.uint8)
    try:
        return raw.numpy().tobytes()
    except (RuntimeError, ImportError):  # torch built without numpy
        return bytes(raw.tolist())


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (F32/F16/BF16/I64/I32/U8) and string metadata; atomic (temporary file, then rename)."""
    names = _dtype_names()
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        if t.dtype not in names:
            raise SystemExit(f"{name}: dtype {t.dtype} has no safetensors name here")
        data = _tensor_bytes(t)
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # the tensor data starts 8-byte aligned, as the safetensors package writes it
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """{name: tensor} and metadata of a safetensors file (`selftest` reads back what it wrote)."""
    import torch
    by_name = {v: k for k, v in _dtype_names().items()}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dtype = by_name[info["dtype"]]
        raw = torch.tensor(list(data[b:e]), dtype=torch.uint8)
        out[name] = (raw.view(dtype) if e > b else torch.empty(0, dtype=dtype)).reshape(info["shape"]).clone()
    return out, meta


# ---------------------------------------------------------------------------------------------------------------------
# capture

def _first(output):
    import torch
    return output if torch.is_tensor(output) else output[0]


class Capture:
    """Forward hooks on named sub-modules; `key(name, tensor)` says under which key (if any) a call is kept."""

    def __init__(self, model, names, key):
        self.tensors = {}
        self.handles = [model.get_submodule(n).register_forward_hook(self._hook(n)) for n in names]
        self.key = key

    def _hook(self, name):
        def fn(module, inputs, output):
            t = _first(output)
            k = self.key(name, t)
            if k is not None:
                if k in self.tensors:
                    raise SystemExit(f"{name}: captured twice under {k}; the hooks do not fit this transformers version")
                self.tensors[k] = t.detach().float().clone()
        return fn

    def remove(self):
        for h in self.handles:
            h.remove()


def _images(paths):
    from PIL import Image
    return [Image.open(p).convert("RGB") for p in paths]


def _metadata(args, kind, texts, **extra):
    """Provenance: what ran (versions, preprocessing) on which inputs. Printed too, so a log shows it."""
    meta = {"exporter": "qpert tools/export_parity.py " + kind, "model": args.model, "tested_with": TESTED_WITH,
            "images": json.dumps([os.path.basename(p) for p in args.images]), "texts": json.dumps(texts)}
    meta.update(versions())
    meta.update(extra)
    for k, v in meta.items():
        print(f"  {k}: {v}")
    return meta


# ---------------------------------------------------------------------------------------------------------------------
# BLIP-2 retrieval (Blip2ForImageTextRetrieval)

def blip2_module_names(model):
    """The hooked modules of testdata/parity/tiny-blip2 (its README lists them), for this model's depth."""
    names = ["vision_model.embeddings"]
    for i in range(len(model.vision_model.encoder.layers)):
        p = f"vision_model.encoder.layers.{i}"
        names += [p + ".self_attn.qkv", p + ".self_attn", p]
    names += ["vision_model.post_layernorm", "qformer.layernorm"]
    for i, layer in enumerate(model.qformer.encoder.layer):
        p = f"qformer.encoder.layer.{i}"
        names += [p + ".attention.attention.query", p + ".attention.attention.key", p + ".attention.attention.value",
                  p + ".attention"]
        if getattr(layer, "has_cross_attention", False):
            names += [p + ".crossattention.attention.query", p + ".crossattention.attention.key",
                      p + ".crossattention.attention.value", p + ".crossattention"]
        names.append(p)
    return names + ["qformer", "embeddings", "vision_projection", "text_projection", "itm_head"]


class Blip2Keys:
    """Export keys of BLIP-2 captures. The ITC forward calls the Q-Former twice (images, then texts), so Q-Former
    captures are split by call; vision post_layernorm runs twice (full sequence, then the pooled token 0)."""

    ITM_KEPT = ("embeddings", "qformer.layernorm", "qformer", "itm_head")

    def __init__(self):
        self.mode = "itc"
        self.qformer_calls = 0
        self.post_layernorm_calls = 0

    def count_qformer(self, module, inputs):
        self.qformer_calls += 1

    def __call__(self, name, t):
        if self.mode == "itc":
            if name == "vision_model.post_layernorm":
                self.post_layernorm_calls += 1
                return "vision/vision_model.post_layernorm" if self.post_layernorm_calls == 1 else "vision/pooled_output"
            if name.startswith("vision_model."):
                return "vision/" + name
            if name in ("vision_projection", "text_projection"):
                return "itc/" + name
            if name == "embeddings":
                return "itc_text/embeddings"
            if name == "qformer" or name.startswith("qformer."):
                return ("itc_image/" if self.qformer_calls == 1 else "itc_text/") + name
            return None
        if name in self.ITM_KEPT or (name.startswith("qformer.encoder.layer.") and name.count(".") == 3):
            return "itm/" + name
        return None


def lavis_pixels(images, size, mean, std):
    """BLIP-2's preprocessing as LAVIS, transformers 4.45 and qpert do it: PIL `convert("RGB")`, `resize((W, H),
    BICUBIC)` to 8-bit pixels, then float64 x / 255 cast to float32, normalized per channel in float32."""
    import numpy as np
    import torch
    from PIL import Image
    h, w = size
    out = []
    for im in images:
        u8 = np.asarray(im.convert("RGB").resize((w, h), Image.BICUBIC), dtype=np.uint8)
        x = torch.from_numpy((u8.astype(np.float64) * (1 / 255)).astype(np.float32)).permute(2, 0, 1)
        out.append((x - torch.tensor(mean, dtype=torch.float32)[:, None, None])
                   / torch.tensor(std, dtype=torch.float32)[:, None, None])
    return torch.stack(out)


def blip2_pixels(args, image_processor):
    """The pixels fed to the model and the words that say how they were made (stored as `preprocessing`)."""
    images = _images(args.images)
    name = type(image_processor).__name__
    if args.preprocess == "processor":
        import transformers
        pixels = image_processor(images, return_tensors="pt")["pixel_values"].float()
        return pixels, (f"{name} of transformers {transformers.__version__} as configured in the model folder "
                        f"(transformers 5.x resizes without rounding to 8 bits; qpert, LAVIS and 4.45 round)")
    size = image_processor.size
    hw = (size["height"], size["width"]) if "height" in size else (size["shortest_edge"], size["shortest_edge"])
    pixels = lavis_pixels(images, hw, list(image_processor.image_mean), list(image_processor.image_std))
    return pixels, (f"lavis: PIL convert RGB, resize to {hw[1]}x{hw[0]} BICUBIC in 8 bits, /255, normalize with "
                    f"{name}'s mean/std (what qpert, LAVIS and transformers 4.45 do)")


def export_blip2(args):
    import torch
    from transformers import AutoImageProcessor, AutoTokenizer, Blip2ForImageTextRetrieval

    torch.set_num_threads(args.threads)
    model = Blip2ForImageTextRetrieval.from_pretrained(args.model, dtype=torch.float32,
                                                       attn_implementation="eager").eval()
    image_processor = AutoImageProcessor.from_pretrained(args.model)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    pixel_values, preprocessing = blip2_pixels(args, image_processor)
    # LAVIS retrieval cuts captions to 35 tokens; qpert parity takes the ids as stored, so any tokenization works.
    # Plain BERT ids: a processor that prepends <image> tokens (image_token_index) is not used (spec/BLIP2.md §4.3).
    text = tokenizer(args.captions, padding="longest", truncation=True, max_length=args.max_tokens,
                     return_tensors="pt")
    input_ids, attention_mask = text["input_ids"].long(), text["attention_mask"].long()
    if model.config.image_token_index is not None:
        raise SystemExit(f"{args.model}: config.image_token_index is set, so the model drops the first "
                         f"{model.config.num_query_tokens} ids of every text; export with a config without it")
    ni, nt = pixel_values.shape[0], input_ids.shape[0]
    pair_image = torch.arange(ni).repeat_interleave(nt)
    pair_text = torch.arange(nt).repeat(ni)

    out = {"inputs/pixel_values": pixel_values, "inputs/input_ids": input_ids,
           "inputs/attention_mask": attention_mask}
    keys = Blip2Keys()
    cap = Capture(model, blip2_module_names(model), keys)
    pre = model.qformer.register_forward_pre_hook(keys.count_qformer)
    with torch.no_grad():
        itc = model(pixel_values=pixel_values, input_ids=input_ids, attention_mask=attention_mask,
                    use_image_text_matching_head=False)
        if keys.qformer_calls != 2:
            raise SystemExit(f"the ITC forward called the Q-Former {keys.qformer_calls} times, expected 2 (images, "
                             f"texts); tested with {TESTED_WITH}")
        keys.mode = "itm"
        itm = model(pixel_values=pixel_values[pair_image], input_ids=input_ids[pair_text],
                    attention_mask=attention_mask[pair_text], use_image_text_matching_head=True)
    cap.remove()
    pre.remove()
    out.update(cap.tensors)
    image_feat, text_feat = itc.image_embeds.float(), itc.text_embeds.float()
    out["itc/image_feat"] = image_feat
    out["itc/text_feat"] = text_feat
    out["itc/sim_per_query"] = torch.matmul(image_feat, text_feat.t())
    out["itc/logits_per_image"] = itc.logits_per_image.float()
    out["itc/logits_per_text"] = itc.logits_per_text.float()
    out["itm/pair_image_index"] = pair_image.long()
    out["itm/pair_text_index"] = pair_text.long()
    out["itm/input_ids"] = input_ids[pair_text]
    out["itm/attention_mask"] = attention_mask[pair_text]
    out["itm/logits"] = itm.logits_per_image.float()
    out["itm/logits_grid"] = itm.logits_per_image.float().reshape(ni, nt, 2)

    for name in args.weights16:
        dtype = {"f16": torch.float16, "bf16": torch.bfloat16}[name]
        rounded = _rounded_copy(model, dtype)
        with torch.no_grad():
            r_itc = rounded(pixel_values=pixel_values, input_ids=input_ids, attention_mask=attention_mask,
                            use_image_text_matching_head=False)
            r_itm = rounded(pixel_values=pixel_values[pair_image], input_ids=input_ids[pair_text],
                            attention_mask=attention_mask[pair_text], use_image_text_matching_head=True)
        out[f"{name}w/itc/logits_per_image"] = r_itc.logits_per_image.float()
        out[f"{name}w/itc/image_feat"] = r_itc.image_embeds.float()
        out[f"{name}w/itc/text_feat"] = r_itc.text_embeds.float()
        out[f"{name}w/itm/logits"] = r_itm.logits_per_image.float()
        del rounded
    write_safetensors(args.out, out, _metadata(args, "blip2", args.captions, preprocessing=preprocessing))
    if args.boxes:
        export_blip2_qpert(args, model, pixel_values, input_ids, attention_mask, preprocessing)
    print(f"{args.out}: {len(out)} tensors ({ni} images, {nt} captions, {ni * nt} ITM pairs)")


def _rounded_copy(model, dtype):
    """The model in float32 with every weight rounded to `dtype` (what a loader of a 16-bit file that upcasts sees)."""
    import copy
    import torch
    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for p in rounded.parameters():
            p.copy_(p.to(dtype).to(torch.float32))
    return rounded.eval()


# ---------------------------------------------------------------------------------------------------------------------
# Q-Perturbation on BLIP-2 (spec/QPERT.md), an independent PyTorch implementation: keys of tiny-blip2/qpert-*

OBJECT_WEIGHTS = {"constant": lambda a, area: a, "norm_area": lambda a, area: a * area,
                  "norm_area_inv": lambda a, area: -a * area, "one_minus_area": lambda a, area: a * (1 - area),
                  "centered_area": lambda a, area: a * (area - 0.5), "centered_area_inv": lambda a, area: a * (0.5 - area)}


def token_weights(box, height, width, size, patch):
    """MASK_RESIZE coverage (QPERT.md §3): the box's binary H x W mask, bilinearly resized to size x size without
    antialiasing (align_corners false), > 0 -> 1, mean over each patch; [1 + G²] with the CLS weight 0 first."""
    import torch
    import torch.nn.functional as F
    x0, y0, x1, y1 = (int(v) for v in box)
    mask = torch.zeros(1, 1, height, width, dtype=torch.float32)
    mask[..., max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = 1
    resized = (F.interpolate(mask, size=(size, size), mode="bilinear", align_corners=False, antialias=False) > 0)
    coverage = F.avg_pool2d(resized.float(), patch).reshape(-1)
    return torch.cat([torch.zeros(1), coverage])


def clip_box(box, height, width, image):
    """The box cut to the image, as qpert does (Box.clipTo: the spec is silent on boxes reaching outside); the area
    and the token weights are those of the cut box. A box with no area inside is an error, as in qpert."""
    x0, y0 = min(max(box[0], 0.0), width), min(max(box[1], 0.0), height)
    x1, y1 = min(max(box[2], 0.0), width), min(max(box[3], 0.0), height)
    if x1 <= x0 or y1 <= y0:
        raise SystemExit(f"image {image}: box {box} has no area inside the {width} x {height} image")
    return [x0, y0, x1, y1]


def subspace_projector(keys_h, weights, tau):
    """P = U_k U_kᵀ of F = diag(w) K_h (QPERT.md §4), in float64, and k."""
    import torch
    f = weights.double()[:, None] * keys_h.double()
    eigenvalues, vectors = torch.linalg.eigh(f.t() @ f)
    eigenvalues, vectors = eigenvalues.flip(0), vectors.flip(1)
    if 0 < tau < 1:
        ratios = torch.cumsum(eigenvalues, 0) / eigenvalues.sum()
        k = max(1, int((ratios < tau).sum()))
    elif float(tau).is_integer() and tau >= 1:
        k = min(int(tau), int((eigenvalues > 1e-5 * eigenvalues[0]).sum()))
    else:
        raise SystemExit(f"tau {tau}: neither in (0, 1) nor an integer >= 1")
    u = vectors[:, :k]
    return u @ u.t(), k


def qpert_pbar(model, image_embeds, sizes, boxes, settings):
    """Per image: P̄ [cross layers, heads, d, d] (float32) and the objects' rows (image, weight, area, token
    weights, k [cross layers, heads]). An object covering no token has k = 0 and is left out of the mean (N')."""
    import torch
    q = model.config.qformer_config
    heads, d = q.num_attention_heads, q.hidden_size // q.num_attention_heads
    vision = model.config.vision_config
    size, patch = vision.image_size, vision.patch_size
    layers = settings["cross_attention_layers"]
    alpha, tau, weigh = settings["alpha"], settings["tau"], OBJECT_WEIGHTS[settings["weight"]]
    pbars, objects = [], []
    with torch.no_grad():
        for i, (z, (height, width), image_boxes) in enumerate(zip(image_embeds, sizes, boxes)):
            keys = [model.qformer.encoder.layer[l].crossattention.attention.key(z) for l in layers]  # [T, Dq] each
            pbar = torch.zeros(len(layers), heads, d, d, dtype=torch.float64)
            kept = 0
            for box in image_boxes:
                box = clip_box(box, height, width, i)
                tw = token_weights(box, height, width, size, patch)
                area = (box[2] - box[0]) * (box[3] - box[1]) / (height * width)
                w = weigh(alpha, area)
                k = torch.zeros(len(layers), heads, dtype=torch.int64)
                if tw.any():
                    kept += 1
                    for li, key in enumerate(keys):
                        for h in range(heads):
                            projector, k[li, h] = subspace_projector(key[:, h * d:(h + 1) * d], tw, tau)
                            pbar[li, h] += w * projector
                objects.append((i, w, area, tw, k))
            pbars.append((pbar / kept if kept else pbar).float())
    return torch.stack(pbars), objects


class QueryPerturbationHooks:
    """q' = q + P̄ q per head on the output of each perturbed cross-attention `query` Linear; `rows` says which
    image's P̄ each batch row uses."""

    def __init__(self, model, layers, pbar):
        self.pbar, self.rows, self.kept = pbar, None, {}
        self.handles = [model.qformer.encoder.layer[l].crossattention.attention.query.register_forward_hook(
            self._hook(li, l)) for li, l in enumerate(layers)]

    def _hook(self, li, layer):
        def fn(module, inputs, output):
            import torch
            b, n, dq = output.shape
            heads, d = self.pbar.shape[2], self.pbar.shape[3]
            q = output.reshape(b, n, heads, d)
            p = self.pbar[self.rows, li]  # [B, heads, d, d]
            perturbed = (q + torch.einsum("bhij,bnhj->bnhi", p, q)).reshape(b, n, dq)
            self.kept[layer] = perturbed.detach().float().clone()
            return perturbed
        return fn

    def remove(self):
        for h in self.handles:
            h.remove()


def read_boxes(path, images):
    """The --boxes file: {"alpha", "tau", "weight", optional "cross_attention_layers", "images": [{"boxes_xyxy":
    [[x0, y0, x1, y1], ...]}, ...]} with one entry per --images file, in order; boxes in original pixels."""
    with open(path) as f:
        spec = json.load(f)
    entries = spec.get("images")
    if not isinstance(entries, list) or len(entries) != len(images):
        raise SystemExit(f"{path}: 'images' must list one entry per --images file ({len(images)})")
    weight = str(spec.get("weight", "constant")).lower()
    if weight not in OBJECT_WEIGHTS:
        raise SystemExit(f"{path}: weight '{weight}' is none of {sorted(OBJECT_WEIGHTS)}")
    boxes = []
    for i, e in enumerate(entries):
        b = e.get("boxes_xyxy", [])
        if any(len(x) != 4 for x in b):
            raise SystemExit(f"{path}: image {i}: every box needs 4 numbers (x0, y0, x1, y1)")
        boxes.append([[float(v) for v in x] for x in b])
    return {"alpha": float(spec.get("alpha", 8.0)), "tau": float(spec.get("tau", 0.99)), "weight": weight,
            "cross_attention_layers": spec.get("cross_attention_layers")}, boxes


def blip2_qpert_case(model, pixel_values, input_ids, attention_mask, sizes, boxes, settings):
    """Every key of a tiny-blip2/qpert-* case: {key: tensor}; `settings` gets its cross_attention_layers filled."""
    import torch
    q = model.config.qformer_config
    layers = settings["cross_attention_layers"] or [l for l in range(q.num_hidden_layers)
                                                    if l % q.cross_attention_frequency == 0]
    settings["cross_attention_layers"] = layers
    ni, nt = pixel_values.shape[0], input_ids.shape[0]
    pair_image, pair_text = torch.arange(ni).repeat_interleave(nt), torch.arange(nt).repeat(ni)
    with torch.no_grad():
        image_embeds = model.vision_model(pixel_values=pixel_values).last_hidden_state.float()
        plain = model(pixel_values=pixel_values, input_ids=input_ids, attention_mask=attention_mask,
                      use_image_text_matching_head=False)
        pbar, objects = qpert_pbar(model, image_embeds, sizes, boxes, settings)
        hooks = QueryPerturbationHooks(model, layers, pbar)
        hooks.rows = torch.arange(ni)
        itc = model(pixel_values=pixel_values, input_ids=input_ids, attention_mask=attention_mask,
                    use_image_text_matching_head=False)
        queries = dict(hooks.kept)
        hooks.rows = pair_image
        itm = model(pixel_values=pixel_values[pair_image], input_ids=input_ids[pair_text],
                    attention_mask=attention_mask[pair_text], use_image_text_matching_head=True)
        hooks.remove()
    out = {"inputs/pixel_values": pixel_values, "inputs/input_ids": input_ids, "inputs/attention_mask": attention_mask,
           "inputs/image_sizes": torch.tensor(sizes, dtype=torch.int64)}
    if objects:
        out["objects/image_index"] = torch.tensor([o[0] for o in objects], dtype=torch.int64)
        out["objects/weight"] = torch.tensor([o[1] for o in objects], dtype=torch.float32)
        out["objects/area"] = torch.tensor([o[2] for o in objects], dtype=torch.float32)
        out["objects/token_weights"] = torch.stack([o[3] for o in objects])
        out["objects/k"] = torch.stack([o[4] for o in objects])
    out["image_embeds"] = image_embeds
    out["pbar"] = pbar
    out["itc/image_feat"] = itc.image_embeds.float()
    out["itc/logits_per_image"] = itc.logits_per_image.float()
    out["itc/logits_per_image_unperturbed"] = plain.logits_per_image.float()
    out["itm/pair_image"], out["itm/pair_text"] = pair_image, pair_text
    out["itm/logits"] = itm.logits_per_image.float()
    for l in layers:
        out[f"itc/crossattention.{l}.query_perturbed"] = queries[l][:ni]
    return out


def export_blip2_qpert(args, model, pixel_values, input_ids, attention_mask, preprocessing):
    """A tiny-blip2/qpert-* style folder (qpert.json + qpert.safetensors) for the boxes of --boxes."""
    settings, boxes = read_boxes(args.boxes, args.images)
    sizes = [(im.height, im.width) for im in _images(args.images)]
    out = blip2_qpert_case(model, pixel_values, input_ids, attention_mask, sizes, boxes, settings)
    os.makedirs(args.qpert_out, exist_ok=True)
    settings_file = dict(settings, images=[{"height": h, "width": w, "boxes_xyxy": b}
                                           for (h, w), b in zip(sizes, boxes)], texts=input_ids.shape[0])
    with open(os.path.join(args.qpert_out, "qpert.json"), "w") as f:
        json.dump(settings_file, f, indent=1)
    path = os.path.join(args.qpert_out, "qpert.safetensors")
    write_safetensors(path, out, {"exporter": "qpert tools/export_parity.py blip2 --boxes", "model": args.model,
                                  "preprocessing": preprocessing, **{k: str(v) for k, v in settings.items()},
                                  **versions()})
    print(f"{args.qpert_out}: Q-Perturbation case, {sum(len(b) for b in boxes)} boxes over {len(sizes)} images")


# ---------------------------------------------------------------------------------------------------------------------
# OWLv2 detector (Owlv2ForObjectDetection)

def owlv2_module_names(model):
    vision = "owlv2.vision_model."
    names = [vision + "embeddings", vision + "pre_layernorm"]
    names += [f"{vision}encoder.layers.{i}" for i in range(len(model.owlv2.vision_model.encoder.layers))]
    return names + [vision + "post_layernorm", "layer_norm", "box_head", "owlv2.text_model.final_layer_norm",
                    "owlv2.text_model"]


def owlv2_key(name, t):
    vision = "owlv2.vision_model."
    if name == vision + "post_layernorm":
        # Called on the pooled token inside the vision model ([B, D]) and on the whole sequence by the detector.
        return "vision/post_layernorm" if t.dim() == 3 else None
    if name.startswith(vision + "encoder."):
        return "vision/" + name[len(vision + "encoder."):]
    if name.startswith(vision):
        return "vision/" + name[len(vision):]
    return {"layer_norm": "detector/image_feats", "box_head": "detector/box_head",
            "owlv2.text_model.final_layer_norm": "text/last_hidden_state"}.get(name)


def export_owlv2(args):
    import torch
    from transformers import Owlv2ForObjectDetection, Owlv2Processor

    torch.set_num_threads(args.threads)
    model = Owlv2ForObjectDetection.from_pretrained(args.model, dtype=torch.float32,
                                                    attn_implementation="eager").eval()
    processor = Owlv2Processor.from_pretrained(args.model)
    images = _images(args.images)
    # The same queries for every image: input_ids is [images * queries, L], queries of image i at rows i*Q .. i*Q+Q-1.
    # Padded to the text model's positions, as transformers 4.45's processor did (5.x pads to the longest only).
    enc = processor(text=[list(args.queries)] * len(images), images=images, return_tensors="pt",
                    padding="max_length", truncation=True,
                    max_length=model.config.text_config.max_position_embeddings)
    pixel_values = enc["pixel_values"].float()
    input_ids, attention_mask = enc["input_ids"].long(), enc["attention_mask"].long()
    out = {"inputs/pixel_values": pixel_values, "inputs/input_ids": input_ids, "inputs/attention_mask": attention_mask}
    cap = Capture(model, owlv2_module_names(model), owlv2_key)
    pooled = {}

    def keep_pooled(module, inputs, output):  # returns None: a hook's return value would replace the output
        pooled["text/pooled"] = output.pooler_output.detach().float().clone()

    text_hook = model.get_submodule("owlv2.text_model").register_forward_hook(keep_pooled)
    with torch.no_grad():
        det = model(input_ids=input_ids, pixel_values=pixel_values, attention_mask=attention_mask)
    cap.remove()
    text_hook.remove()
    out.update(cap.tensors)
    out.update(pooled)
    text_embeds = det.text_embeds.float()
    out["text/text_embeds"] = text_embeds.reshape(-1, text_embeds.shape[-1])
    out["detector/box_bias"] = _box_bias(model, det.pred_boxes.shape[1]).float()
    out["detector/pred_boxes"] = det.pred_boxes.float()
    out["detector/objectness_logits"] = det.objectness_logits.float()
    out["detector/class_embeds"] = det.class_embeds.float()
    out["detector/logits"] = det.logits.float()
    write_safetensors(args.out, out, _metadata(args, "owlv2", args.queries,
                                               preprocessing=type(processor.image_processor).__name__ + " of the model folder"))
    print(f"{args.out}: {len(out)} tensors ({len(images)} images x {len(args.queries)} queries)")


def _box_bias(model, num_patches):
    """[g*g, 4] bias added to box_head's output: the model's own buffer where it keeps one (4.45 does)."""
    bias = getattr(model, "box_bias", None)
    if bias is not None:
        return bias
    side = int(round(num_patches ** 0.5))
    return model.compute_box_bias(side)


# ---------------------------------------------------------------------------------------------------------------------
# CoCa (open_clip): the retrieval towers, keys of testdata/parity/tiny-coca (README there)

def load_coca(args):
    """open_clip's model and eval transform: a folder with open_clip_config.json + weights (`local-dir:`), an
    `hf-hub:` id, or a built-in config name with --pretrained (a tag or a weights file)."""
    import open_clip
    name = args.model
    if os.path.isdir(name):
        name = "local-dir:" + name
    elif not name.startswith("hf-hub:") and args.pretrained is None:
        raise SystemExit(f"--model {args.model}: not a folder; a built-in config name needs --pretrained TAG|FILE")
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=args.pretrained,
                                                                  precision="fp32", device="cpu")
    return model.eval(), preprocess, open_clip.get_tokenizer(name)


def _heads_first(mask, batch):
    """open_clip's additive text mask, [B*H, L, L] (or [L, L]), as head 0 of each text: [B, L, L]."""
    if mask.dim() == 2:
        return mask.expand(batch, -1, -1)
    return mask.reshape(batch, -1, *mask.shape[-2:])[:, 0]


def _pooler_projections(pool, x_k, q):
    """queries, keys and values of the pooler's nn.MultiheadAttention (separate k/v weights when kdim != d)."""
    import torch.nn.functional as F
    attn = pool.attn
    d = attn.embed_dim
    b = attn.in_proj_bias
    if attn._qkv_same_embed_dim:
        wq, wk, wv = attn.in_proj_weight[:d], attn.in_proj_weight[d:2 * d], attn.in_proj_weight[2 * d:]
    else:
        wq, wk, wv = attn.q_proj_weight, attn.k_proj_weight, attn.v_proj_weight
    return F.linear(q, wq, b[:d]), F.linear(x_k, wk, b[d:2 * d]), F.linear(x_k, wv, b[2 * d:])


def coca_stages(model, pixel_values, text):
    """Every stage of both towers on a batch: {key: tensor}, in the order the forward reaches them."""
    import torch
    out = {}
    visual, tower = model.visual, model.text
    hooks = []

    def keep(key, fn=lambda t: t):
        def hook(module, inputs, output):
            out[key] = fn(_first(output)).detach().float().clone()
        return hook

    def keep_input(key, fn=lambda t: t):
        def hook(module, args, kwargs):
            out[key] = fn(args[0] if args else kwargs["x"]).detach().float().clone()
        return hook

    hooks.append(visual.conv1.register_forward_hook(keep("vision/conv1", lambda t: t.flatten(2).transpose(1, 2))))
    hooks.append(visual.ln_pre.register_forward_pre_hook(keep_input("vision/embeddings"), with_kwargs=True))
    hooks.append(visual.ln_pre.register_forward_hook(keep("vision/ln_pre")))
    for i, block in enumerate(visual.transformer.resblocks):
        hooks.append(block.register_forward_hook(keep(f"vision/resblocks.{i}")))
    pool = visual.attn_pool
    hooks.append(pool.ln_k.register_forward_hook(keep("pooler/ln_k")))
    hooks.append(pool.ln_q.register_forward_hook(keep("pooler/ln_q")))
    hooks.append(pool.register_forward_hook(keep("pooler/output")))
    hooks.append(visual.ln_post.register_forward_hook(keep("vision/ln_post")))
    batch = text.shape[0]

    def keep_text_input(module, args, kwargs):
        out["text/embeddings"] = (args[0] if args else kwargs["x"]).detach().float().clone()
        out["text/attn_mask"] = _heads_first(kwargs.get("attn_mask", args[1] if len(args) > 1 else None),
                                             batch).detach().float().clone()

    hooks.append(tower.transformer.register_forward_pre_hook(keep_text_input, with_kwargs=True))
    for i, block in enumerate(tower.transformer.resblocks):
        hooks.append(block.register_forward_hook(keep(f"text/resblocks.{i}")))
    hooks.append(tower.ln_final.register_forward_hook(keep("text/ln_final")))
    with torch.no_grad():
        image_features = model.encode_image(pixel_values, normalize=True).float()
        text_features = model.encode_text(text, normalize=True).float()
        queries, keys, values = _pooler_projections(pool, out["pooler/ln_k"], out["pooler/ln_q"])
    for h in hooks:
        h.remove()
    staged = {k: out[k] for k in ("vision/conv1", "vision/embeddings", "vision/ln_pre")}
    staged.update({k: v for k, v in out.items() if k.startswith("vision/resblocks.")})
    staged.update({"pooler/ln_k": out["pooler/ln_k"], "pooler/ln_q": out["pooler/ln_q"], "pooler/queries": queries,
                   "pooler/keys": keys, "pooler/values": values, "pooler/output": out["pooler/output"],
                   "vision/ln_post": out["vision/ln_post"]})
    ln_post = out["vision/ln_post"]
    staged["vision/image_latent"] = ln_post[:, 0] @ visual.proj.detach().float()
    staged["vision/image_embs"] = ln_post[:, 1:]
    staged["image_features"] = image_features
    staged["text/embeddings"] = out["text/embeddings"]
    staged["text/attn_mask"] = out["text/attn_mask"]
    layers = [k for k in out if k.startswith("text/resblocks.")]
    staged.update({k: out[k] for k in layers})
    staged["text/ln_final"] = out["text/ln_final"]
    projection = tower.text_projection
    staged["text/text_latent"] = (projection(out["text/ln_final"]) if isinstance(projection, torch.nn.Linear)
                                  else out["text/ln_final"] @ projection).detach().float()
    staged["text/token_embs"] = out[layers[-1]][:, :-1]
    staged["text_features"] = text_features
    scale = model.logit_scale.exp().detach().float().reshape(1)
    staged["logit_scale_exp"] = scale
    staged["logits_per_image"] = scale * image_features @ text_features.t()
    return staged


def coca_geometry(height, width, size):
    """open_clip's eval resize + centre crop (spec/COCA.md §3): shorter side to size (the longer truncated), then
    top/left of the size x size crop, rounded half to even."""
    if height <= width:
        new_h, new_w = size, int(size * width / height)
    else:
        new_h, new_w = int(size * height / width), size
    return {"new_h": new_h, "new_w": new_w, "top": round((new_h - size) / 2), "left": round((new_w - size) / 2)}


def coca_token_weights(box, height, width, geometry, size, patch):
    """MASK_RESIZE through the CoCa geometry (spec/COCA.md §6): the box's H x W mask bilinearly resized (no
    antialias) to (new_h, new_w), > 0 -> 1, cropped, mean per patch; [1 + G²], class token 0 first."""
    import torch
    import torch.nn.functional as F
    x0, y0, x1, y1 = (int(v) for v in box)
    mask = torch.zeros(1, 1, height, width, dtype=torch.float32)
    mask[..., y0:y1, x0:x1] = 1
    resized = F.interpolate(mask, size=(geometry["new_h"], geometry["new_w"]), mode="bilinear", align_corners=False,
                            antialias=False) > 0
    top, left = geometry["top"], geometry["left"]
    crop = resized[..., top:top + size, left:left + size].float()
    return torch.cat([torch.zeros(1), F.avg_pool2d(crop, patch).reshape(-1)])


def _pooler_query_weights(attn):
    """The pooler's query projection (weight [d, d], bias [d]) as stored, whichever layout nn.MultiheadAttention has."""
    d = attn.embed_dim
    weight = attn.in_proj_weight[:d] if attn._qkv_same_embed_dim else attn.q_proj_weight
    return weight, attn.in_proj_bias[:d]


def coca_qpert_case(model, pixel_values, text, sizes, boxes, settings):
    """Every key of a tiny-coca/qpert-* case (spec/COCA.md §6): P̄ per image and pooler head from the pooler keys,
    applied by folding (I + blockdiag P̄) into the pooler's query projection for that image. The texts scored by
    perturbed/logits_per_image are not stored: a case reads them from the activations.safetensors beside it."""
    import torch
    visual, pool = model.visual, model.visual.attn_pool
    attn = pool.attn
    heads, d = attn.num_heads, attn.embed_dim // attn.num_heads
    size = pixel_values.shape[-1]
    patch = visual.conv1.kernel_size[0]
    alpha, tau, weigh = settings["alpha"], settings["tau"], OBJECT_WEIGHTS[settings["weight"]]
    stages = coca_stages(model, pixel_values, text)
    keys = stages["pooler/keys"]  # [B, T, E]
    weight, bias = _pooler_query_weights(attn)
    pbars, objects, perturbed = [], [], {"pooler_output": [], "image_embs": [], "image_features": []}
    captured = {}
    hook = pool.register_forward_hook(lambda m, i, o: captured.__setitem__("out", o.detach().float().clone()))
    for i, ((height, width), image_boxes) in enumerate(zip(sizes, boxes)):
        geometry = coca_geometry(height, width, size)
        pbar = torch.zeros(heads, d, d, dtype=torch.float64)
        kept = 0
        for box in image_boxes:
            box = clip_box(box, height, width, i)
            tw = coca_token_weights(box, height, width, geometry, size, patch)
            area = (box[2] - box[0]) * (box[3] - box[1]) / (height * width)
            w = weigh(alpha, area)
            k = torch.zeros(heads, dtype=torch.int64)
            if tw.any():
                kept += 1
                for h in range(heads):
                    projector, k[h] = subspace_projector(keys[i][:, h * d:(h + 1) * d], tw, tau)
                    pbar[h] += w * projector
            objects.append((i, w, area, tw, k))
        pbar = (pbar / kept if kept else pbar).float()
        pbars.append(pbar)
        fold = torch.eye(heads * d) + torch.block_diag(*pbar)
        saved_w, saved_b = weight.detach().clone(), bias.detach().clone()
        with torch.no_grad():
            weight.copy_(fold @ saved_w)
            bias.copy_(fold @ saved_b)
            features = model.encode_image(pixel_values[i:i + 1], normalize=True).float()
            weight.copy_(saved_w)
            bias.copy_(saved_b)
        perturbed["pooler_output"].append(captured["out"][0])
        ln_post = visual.ln_post(captured["out"][0]).detach().float()
        perturbed["image_embs"].append(ln_post[1:])
        perturbed["image_features"].append(features[0])
    hook.remove()
    out = {"inputs/pixel_values": pixel_values, "inputs/image_sizes": torch.tensor(sizes, dtype=torch.int64)}
    if objects:
        out["objects/image_index"] = torch.tensor([o[0] for o in objects], dtype=torch.int64)
        out["objects/weight"] = torch.tensor([o[1] for o in objects], dtype=torch.float32)
        out["objects/area"] = torch.tensor([o[2] for o in objects], dtype=torch.float32)
        out["objects/token_weights"] = torch.stack([o[3] for o in objects])
        out["objects/k"] = torch.stack([o[4] for o in objects])
    out["pooler/keys"] = keys
    out["pbar"] = torch.stack(pbars)
    for name, rows in perturbed.items():
        out["perturbed/" + name] = torch.stack(rows)
    out["perturbed/logits_per_image"] = (stages["logit_scale_exp"] * out["perturbed/image_features"]
                                         @ stages["text_features"].t())
    out["unperturbed/image_features"] = stages["image_features"]
    geometries = [coca_geometry(h, w, size) for h, w in sizes]
    return out, geometries


def export_coca_qpert(args, model, pixel_values, text, preprocessing):
    """A tiny-coca/qpert-* style folder (qpert.json + qpert.safetensors) for the boxes of --boxes."""
    settings, boxes = read_boxes(args.boxes, args.images)
    sizes = [(im.height, im.width) for im in _images(args.images)]
    out, geometries = coca_qpert_case(model, pixel_values, text, sizes, boxes, settings)
    os.makedirs(args.qpert_out, exist_ok=True)
    settings.pop("cross_attention_layers", None)
    pool = model.visual.attn_pool.attn
    settings_file = dict(settings, image_size=pixel_values.shape[-1], patch_size=model.visual.conv1.kernel_size[0],
                         pooler_heads=pool.num_heads,
                         images=[{"height": h, "width": w, "boxes_xyxy": b, "resize_crop": g}
                                 for (h, w), b, g in zip(sizes, boxes, geometries)])
    with open(os.path.join(args.qpert_out, "qpert.json"), "w") as f:
        json.dump(settings_file, f, indent=1)
    write_safetensors(os.path.join(args.qpert_out, "qpert.safetensors"), out,
                      {"exporter": "qpert tools/export_parity.py coca --boxes", "model": args.model,
                       "preprocessing": preprocessing, **{k: str(v) for k, v in settings.items()}, **versions()})
    print(f"{args.qpert_out}: Q-Perturbation case, {sum(len(b) for b in boxes)} boxes over {len(sizes)} images")


def export_coca(args):
    import torch
    torch.set_num_threads(args.threads)
    model, preprocess, tokenizer = load_coca(args)
    if getattr(model.visual, "attn_pool", None) is None or model.text.cls_emb is None:
        raise SystemExit(f"{args.model}: not a CoCa model (no attentional pooler or text cls embedding)")
    pixel_values = torch.stack([preprocess(im) for im in _images(args.images)]).float()
    text = tokenizer(args.captions).long()
    out = {"inputs/pixel_values": pixel_values, "inputs/text": text}
    out.update(coca_stages(model, pixel_values, text))
    for name in args.weights16:
        rounded = _rounded_copy(model, {"f16": torch.float16, "bf16": torch.bfloat16}[name])
        with torch.no_grad():
            out[f"{name}w/image_features"] = rounded.encode_image(pixel_values, normalize=True).float()
            out[f"{name}w/text_features"] = rounded.encode_text(text, normalize=True).float()
        del rounded
    write_safetensors(args.out, out, _metadata(args, "coca", args.captions, preprocessing=repr(preprocess),
                                               tokenizer=type(tokenizer).__name__))
    if args.boxes:
        export_coca_qpert(args, model, pixel_values, text, repr(preprocess))
    print(f"{args.out}: {len(out)} tensors ({pixel_values.shape[0]} images, {text.shape[0]} captions)")


# ---------------------------------------------------------------------------------------------------------------------
# InternVL-C / InternVL-G (the Hub repository's own code, trust_remote_code): keys of parity/tiny-internvl

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def stub_peft():
    """modeling_internvl.py imports peft for LoRA, which retrieval never uses (use_*_lora = 0): an empty stand-in
    where peft is not installed; it refuses if the config asks for LoRA."""
    if importlib.util.find_spec("peft") is not None:
        return "installed"

    def refuse(*args, **kwargs):
        raise SystemExit("this InternVL config asks for LoRA (use_backbone_lora / use_qllama_lora): install peft")

    peft = types.ModuleType("peft")
    # A spec, so that importlib.util.find_spec("peft") (transformers asks it) answers instead of raising.
    peft.__spec__ = importlib.machinery.ModuleSpec("peft", None)
    peft.LoraConfig, peft.get_peft_model = refuse, refuse
    sys.modules["peft"] = peft
    return "stubbed (not installed; LoRA unused at inference)"


def internvl_ids(model_dir, captions, max_length):
    """InternVL's text input (spec/INTERNVL.md §4, as its InternVLTokenizer with the 4.x slow LlamaTokenizer):
    sentencepiece pieces of "summarize:" + caption, bos 1 first and eos 2 last, cut to max_length keeping both,
    right-padded with 0. sentencepiece itself, not transformers 5.x's LlamaTokenizer (which pads on the left)."""
    import sentencepiece
    import torch
    sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(model_dir, "tokenizer.model"))
    rows = []
    for caption in captions:
        ids = [sp.bos_id()] + sp.encode("summarize:" + caption)[:max_length - 2] + [sp.eos_id()]
        rows.append(ids + [0] * (max_length - len(ids)))
    return torch.tensor(rows, dtype=torch.int64)


def internvl_pixels(images, size):
    """InternVL's retrieval transform: RGB, PIL resize to size x size BICUBIC (no crop), u8 / 255 in float32,
    normalized with the ImageNet mean/std (torchvision's Resize + ToTensor + Normalize on PIL images)."""
    import numpy as np
    import torch
    from PIL import Image
    out = []
    for im in images:
        u8 = np.array(im.convert("RGB").resize((size, size), Image.BICUBIC), dtype=np.uint8)
        x = torch.from_numpy(u8).permute(2, 0, 1).float().div(255)
        out.append((x - torch.tensor(IMAGENET_MEAN)[:, None, None]) / torch.tensor(IMAGENET_STD)[:, None, None])
    return torch.stack(out)


def internvl_stages(model, pixel_values, input_ids):
    """Every stage of InternVL-C's and InternVL-G's image passes and of the text pass: {key: tensor}."""
    import torch
    out = {}
    phase = {"now": None}
    qllama = "qllama.model."
    n_layers = len(model.qllama.model.layers)

    def keyed(name):
        p = phase["now"]
        if p == "c":
            if name.startswith("vision_model.embeddings"):
                return "vision/embeddings"
            if name.startswith("vision_model.encoder.layers."):
                return "vision/layer." + name[len("vision_model.encoder.layers."):]
            return {"clip_projector": "c/pooled"}.get(name)
        if p == "g":
            if name.startswith(qllama + "layers."):
                rest = name[len(qllama + "layers."):].replace("cross_attn.q_proj", "cross_attn.q")
                return "g/qllama.layer." + rest.replace("cross_attn.k_proj", "cross_attn.k")
            return {qllama + "norm": "g/qllama.norm", "clip_projector": "g/pooled_backbone",
                    "clip_projector2": "g/pooled_qllama"}.get(name)
        if p == "text":
            if name.startswith(qllama + "layers.") and name.count(".") == 3:
                return "text/qllama.layer." + name.rsplit(".", 1)[1]
            return {qllama + "embed_tokens": "text/embed_tokens", qllama + "norm": "text/qllama.norm"}.get(name)
        return None

    def hook(name):
        def fn(module, inputs, output):
            key = keyed(name)
            if key is not None:
                out[key] = _first(output).detach().float().clone()
        return fn

    names = ["vision_model.embeddings", "clip_projector", "clip_projector2", qllama + "norm", qllama + "embed_tokens"]
    for i, layer in enumerate(model.vision_model.encoder.layers):
        names += [f"vision_model.encoder.layers.{i}.attn", f"vision_model.encoder.layers.{i}.mlp",
                  f"vision_model.encoder.layers.{i}"]
    for i, layer in enumerate(model.qllama.model.layers):
        p = f"{qllama}layers.{i}"
        names += [p + ".self_attn", p]
        if layer.cross_attn is not None:
            names += [p + ".cross_attn.q_proj", p + ".cross_attn.k_proj", p + ".cross_attn"]
    handles = [model.get_submodule(n).register_forward_hook(hook(n)) for n in names]
    with torch.no_grad():
        phase["now"] = "c"
        image_c = model.encode_image(pixel_values, mode="InternVL-C").float()
        phase["now"] = "g"
        image_g = model.encode_image(pixel_values, mode="InternVL-G").float()
        phase["now"] = "text"
        text = model.encode_text(input_ids).float()
        phase["now"] = None
        logits_c, _ = model(pixel_values, input_ids, mode="InternVL-C")
        logits_g, _ = model(pixel_values, input_ids, mode="InternVL-G")
    for h in handles:
        h.remove()
    staged = {"vision/embeddings": out["vision/embeddings"]}
    for i in range(len(model.vision_model.encoder.layers)):
        for part in (".attn", ".mlp", ""):
            staged[f"vision/layer.{i}{part}"] = out[f"vision/layer.{i}{part}"]
    staged["c/pooled"] = out["c/pooled"]
    staged["g/query_embeds"] = model.query_tokens.detach().float().repeat(pixel_values.shape[0], 1, 1)
    for i in range(n_layers):
        for part in (".self_attn", ".cross_attn.q", ".cross_attn.k", ".cross_attn", ""):
            key = f"g/qllama.layer.{i}{part}"
            if key in out:
                staged[key] = out[key]
    for key in ("g/qllama.norm", "g/pooled_backbone", "g/pooled_qllama"):
        staged[key] = out[key]
    staged["image_features/C"] = image_c
    staged["image_features/G"] = image_g
    staged["text/embed_tokens"] = out["text/embed_tokens"]
    for i in range(n_layers):
        staged[f"text/qllama.layer.{i}"] = out[f"text/qllama.layer.{i}"]
    staged["text/qllama.norm"] = out["text/qllama.norm"]
    index = (input_ids > 0).sum(1) - 1
    staged["text/pool_index"] = index.long()
    staged["text/pooled"] = out["text/qllama.norm"][torch.arange(input_ids.shape[0]), index]
    staged["text_features"] = text
    staged["logit_scale_exp"] = model.logit_scale.exp().detach().float().reshape(1)
    staged["logits_per_image/C"] = logits_c.float()
    staged["logits_per_image/G"] = logits_g.float()
    return staged


def internvl_features(model, pixel_values, input_ids):
    """What the f16w/ and bf16w/ keys hold: features and logits of both modes."""
    import torch
    with torch.no_grad():
        return {"image_features/C": model.encode_image(pixel_values, mode="InternVL-C").float(),
                "image_features/G": model.encode_image(pixel_values, mode="InternVL-G").float(),
                "text_features": model.encode_text(input_ids).float(),
                "logits_per_image/C": model(pixel_values, input_ids, mode="InternVL-C")[0].float(),
                "logits_per_image/G": model(pixel_values, input_ids, mode="InternVL-G")[0].float()}


def load_internvl(model_dir):
    """The folder's own modeling code (trust_remote_code), float32, eval mode. The class is built from the config
    and given the folder's weights directly: the code (written for transformers 4.3x) never calls post_init, which
    transformers 5.x's from_pretrained needs; every parameter and persistent buffer must come from the files."""
    import json
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig
    from transformers.dynamic_module_utils import get_class_from_dynamic_module
    peft = stub_peft()
    config = AutoConfig.from_pretrained(model_dir, trust_remote_code=True)
    cls = get_class_from_dynamic_module(config.auto_map["AutoModel"], model_dir)
    model = cls(config)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    state = {}
    for name in files:
        state.update(load_file(os.path.join(model_dir, name)))
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{model_dir}: the weights do not fit the folder's model code: missing {missing[:5]}, "
                         f"unexpected {unexpected[:5]} ({len(missing)} and {len(unexpected)} in all)")
    return model.to(torch.float32).eval(), peft


def export_internvl(args):
    import torch
    torch.set_num_threads(args.threads)
    if not os.path.isdir(args.model):
        raise SystemExit(f"--model {args.model}: needs the downloaded folder (config.json, its *.py, weights, "
                         f"tokenizer.model), e.g. huggingface-cli download OpenGVLab/InternVL-14B-224px")
    model, peft = load_internvl(args.model)
    vision = model.config.vision_config
    size = model.config.force_image_size or vision.image_size
    pixel_values = internvl_pixels(_images(args.images), size)
    input_ids = internvl_ids(args.model, args.captions, args.max_length)
    out = {"inputs/pixel_values": pixel_values, "inputs/input_ids": input_ids,
           "inputs/attention_mask": (input_ids > 0).long()}
    out.update(internvl_stages(model, pixel_values, input_ids))
    for name in args.weights16:
        rounded = _rounded_copy(model, {"f16": torch.float16, "bf16": torch.bfloat16}[name])
        out.update({f"{name}w/{k}": v for k, v in internvl_features(rounded, pixel_values, input_ids).items()})
        del rounded
    write_safetensors(args.out, out, _metadata(
        args, "internvl", args.captions, peft=peft,
        preprocessing=f"RGB, PIL resize to {size}x{size} BICUBIC, /255, ImageNet mean/std; text: sentencepiece "
                      f"bos + 'summarize:' + caption + eos, max_length {args.max_length}, right-padded with 0"))
    print(f"{args.out}: {len(out)} tensors ({pixel_values.shape[0]} images, {input_ids.shape[0]} captions)")


# ---------------------------------------------------------------------------------------------------------------------
# self-test of the writer (needs torch only)

def selftest(args):
    """Writes known tensors of every dtype qpert reads, reads them back, and checks bytes and values."""
    import torch
    tensors = {
        "f32/arange": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8 - 1,
        "f16/values": torch.tensor([0.5, -2.0, 65504.0, 1e-3], dtype=torch.float16),
        "bf16/values": torch.tensor([[1.0, -3.5], [1e20, 7.0]], dtype=torch.bfloat16),
        "i64/ids": torch.tensor([[101, 2023, 102], [101, 0, -7]], dtype=torch.int64),
        "f32/scalar": torch.tensor(3.25, dtype=torch.float32),
        "f32/empty": torch.zeros(0, 5, dtype=torch.float32),
    }
    write_safetensors(args.out, tensors, {"exporter": "selftest"})
    back, meta = read_safetensors(args.out)
    assert meta == {"exporter": "selftest"}, meta
    assert list(back) == list(tensors), list(back)
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and back[k].shape == t.shape and torch.equal(back[k], t), k
    with open(args.out, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
    assert n % 8 == 0, n
    print(f"{args.out}: {len(tensors)} tensors written and read back")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    b = sub.add_parser("blip2", help="a BLIP-2 retrieval checkpoint (Blip2ForImageTextRetrieval)")
    b.add_argument("--captions", nargs="+", required=True)
    b.add_argument("--max-tokens", type=int, default=35)
    b.add_argument("--preprocess", choices=["lavis", "processor"], default="lavis",
                   help="lavis (default): 8-bit PIL bicubic resize, as qpert does; processor: the folder's image "
                        "processor as this transformers version runs it")
    o = sub.add_parser("owlv2", help="an OWLv2 detector (Owlv2ForObjectDetection)")
    o.add_argument("--queries", nargs="+", required=True, help="text queries, the same for every image")
    c = sub.add_parser("coca", help="an open_clip CoCa (its retrieval towers)")
    c.add_argument("--captions", nargs="+", required=True)
    c.add_argument("--pretrained", help="with a built-in config name as --model: an open_clip tag or weights file")
    v = sub.add_parser("internvl", help="an InternVL-C/-G checkpoint folder (its own code, trust_remote_code)")
    v.add_argument("--captions", nargs="+", required=True)
    v.add_argument("--max-length", type=int, default=80, help="token row length (InternVL's tokenizer: 80)")
    for p in (b, c):
        p.add_argument("--boxes", help="a JSON file of object boxes per image (see read_boxes): also write a "
                                       "Q-Perturbation case (qpert.json + qpert.safetensors) into --qpert-out")
        p.add_argument("--qpert-out", help="the folder for that case (qpert parity --qpert DIR)")
    for p in (b, c, v):
        p.add_argument("--weights16", nargs="*", choices=["f16", "bf16"], default=[],
                       help="also run with every weight rounded to F16/BF16 (keys f16w/, bf16w/)")
    for p in (b, o, c, v):
        p.add_argument("--model", required=True, help="Hub id or local folder")
        p.add_argument("--images", nargs="+", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--threads", type=int, default=1, help="torch threads (1: reproducible sums)")
    s = sub.add_parser("selftest", help="check the safetensors writer (torch only)")
    s.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    if getattr(args, "boxes", None) and not args.qpert_out:
        ap.error("--boxes needs --qpert-out DIR")
    if args.kind == "coca" and args.boxes:
        beside = os.path.join(os.path.dirname(os.path.abspath(args.qpert_out)), "activations.safetensors")
        if os.path.abspath(args.out) != beside:
            ap.error(f"coca --boxes: qpert parity reads a CoCa case's texts from the activations.safetensors beside "
                     f"its folder, so --out must be {beside} (got --out {args.out}); e.g. --out DIR/activations."
                     f"safetensors --qpert-out DIR/qpert")
    {"blip2": export_blip2, "owlv2": export_owlv2, "coca": export_coca, "internvl": export_internvl,
     "selftest": selftest}[args.kind](args)


if __name__ == "__main__":
    main()
