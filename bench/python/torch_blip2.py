"""Plain PyTorch timing of the computation bench/.../EndToEndBench.java times in qpert: blip2-itm-vit-g at its real
sizes with random weights (uniform +-0.02, LayerNorm weights 1), float32, inference mode, T threads.

  vit<S>_ms      ViT-g/14 on one SxS image (patch conv, 39 pre-LN layers, post-LN) + the cross-attention K/V projections
  qformer<S>_ms  Q-Former image pass: 32 queries, 12 layers (cross-attention every 2nd), vision_projection, normalize
  text<L>_ms     Q-Former text pass of L tokens (12 layers, text FFN), text_projection of [CLS], normalize

Prints one key=milliseconds line per step (median of the timed runs after one warm-up), like the Java side.

With --onnx DIR it only exports, for bench/.../OrtBench.java (ONNX Runtime), three of those computations to ONNX
(torch.onnx.export, opset 17, fixed shapes): vit_layer.onnx (one ViT-g layer at 224 px, x [257, 1408] -> [257, 1408]),
qformer_image.onnx (the Q-Former image pass as qformer<S>_ms times it: it starts from the cross-attention keys and
values k0 v0 k2 v2 ... k10 v10 [257, 768], which the ViT step already computed, -> features [32, 256]) and
text20.onnx (the 20-token text pass: input_ids [1, 20] int64, no mask as none is used here -> features [1, 256]).
Next to each NAME.onnx it writes PyTorch's input and output on one random input as raw little-endian arrays,
NAME.in.INPUT.bin and NAME.out.bin, so OrtBench can check that ONNX Runtime computes the same thing.
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

D, DV_LAYERS, DV_HEADS, DV_INTER, PATCH = 1408, 39, 16, 6144, 14
H, Q_LAYERS, Q_HEADS, Q_INTER, NQ, E, VOCAB, MAXPOS = 768, 12, 12, 3072, 32, 256, 30523, 512


def rnd(*shape):
    return torch.empty(*shape).uniform_(-0.02, 0.02)


def ln_params(n):
    return torch.ones(n), rnd(n)


def mha(q, k, v, heads, scale, key_bias=None):
    nq, width = q.shape
    d = width // heads
    q = q.view(nq, heads, d).transpose(0, 1)
    k = k.view(-1, heads, d).transpose(0, 1)
    v = v.view(-1, heads, d).transpose(0, 1)
    s = torch.matmul(q, k.transpose(1, 2)) * scale
    if key_bias is not None:
        s = s + key_bias
    p = s.softmax(dim=-1)
    return torch.matmul(p, v).transpose(0, 1).reshape(nq, width)


def vit_layers():
    return [dict(ln1=ln_params(D), qkv=(rnd(3 * D, D), rnd(3 * D)), proj=(rnd(D, D), rnd(D)), ln2=ln_params(D),
                 fc1=(rnd(DV_INTER, D), rnd(DV_INTER)), fc2=(rnd(D, DV_INTER), rnd(D))) for _ in range(DV_LAYERS)]


def vit(pixels, emb, layers, post_ln):
    patch_w, patch_b, cls, pos = emb
    x = F.conv2d(pixels, patch_w, patch_b, stride=PATCH).flatten(2).transpose(1, 2)[0]  # [G*G, D]
    x = torch.cat([cls, x], dim=0) + pos
    scale = (D // DV_HEADS) ** -0.5
    for l in layers:
        h = F.layer_norm(x, (D,), *l["ln1"], eps=1e-6)
        q, k, v = F.linear(h, *l["qkv"]).split(D, dim=1)
        x = x + F.linear(mha(q, k, v, DV_HEADS, scale), *l["proj"])
        h = F.layer_norm(x, (D,), *l["ln2"], eps=1e-6)
        x = x + F.linear(F.gelu(F.linear(h, *l["fc1"])), *l["fc2"])
    return F.layer_norm(x, (D,), *post_ln, eps=1e-6)


def attn_block(kw):
    return dict(q=(rnd(H, H), rnd(H)), k=(rnd(H, kw), rnd(H)), v=(rnd(H, kw), rnd(H)), o=(rnd(H, H), rnd(H)),
                ln=ln_params(H))


def qformer_layers():
    layers = []
    for i in range(Q_LAYERS):
        layers.append(dict(self=attn_block(H), cross=attn_block(D) if i % 2 == 0 else None,
                           ffn_q=((rnd(Q_INTER, H), rnd(Q_INTER)), (rnd(H, Q_INTER), rnd(H)), ln_params(H)),
                           ffn_t=((rnd(Q_INTER, H), rnd(Q_INTER)), (rnd(H, Q_INTER), rnd(H)), ln_params(H))))
    return layers


def attend(x, a, k, v, key_bias=None):
    ctx = mha(F.linear(x, *a["q"]), k, v, Q_HEADS, (H // Q_HEADS) ** -0.5, key_bias)
    return F.layer_norm(F.linear(ctx, *a["o"]) + x, (H,), *a["ln"], eps=1e-12)


def ffn(x, f):
    up, down, ln = f
    return F.layer_norm(F.linear(F.gelu(F.linear(x, *up)), *down) + x, (H,), *ln, eps=1e-12)


def cross_kv(z, layers):
    return {i: (F.linear(z, *l["cross"]["k"]), F.linear(z, *l["cross"]["v"])) for i, l in enumerate(layers)
            if l["cross"] is not None}


def qformer(x, layers, ln, kv=None, ffn_key="ffn_q"):
    x = F.layer_norm(x, (H,), *ln, eps=1e-12)
    for i, l in enumerate(layers):
        s = l["self"]
        x = attend(x, s, F.linear(x, *s["k"]), F.linear(x, *s["v"]))
        if kv is not None and l["cross"] is not None:
            x = attend(x, l["cross"], *kv[i])
        x = ffn(x, l[ffn_key])
    return x


def image_features(query_tokens, layers, ln, vision_proj, kv):
    """The Q-Former image pass (qformer<S>_ms): 32 queries against the keys and values cross_kv computed -> [32, E]."""
    out = qformer(query_tokens, layers, ln, kv)
    return F.normalize(F.linear(out, *vision_proj), dim=-1)


def text_features(ids, word, pos, layers, ln, text_proj):
    """The Q-Former text pass (text<L>_ms): token ids [L] -> the normalized projection of [CLS], [1, E]."""
    x = word[ids] + pos[:ids.shape[0]]
    out = qformer(x, layers, ln, None, "ffn_t")
    return F.normalize(F.linear(out[:1], *text_proj), dim=-1)


class VitLayer(torch.nn.Module):
    """One ViT-g layer (HF Blip2EncoderLayer) exactly as vit() computes it, for the ONNX Runtime comparison."""

    def __init__(self, l):
        super().__init__()
        for name, value in (("ln1", l["ln1"]), ("qkv", l["qkv"]), ("proj", l["proj"]), ("ln2", l["ln2"]),
                            ("fc1", l["fc1"]), ("fc2", l["fc2"])):
            self.register_buffer(name + "_w", value[0])
            self.register_buffer(name + "_b", value[1])

    def forward(self, x):
        h = F.layer_norm(x, (D,), self.ln1_w, self.ln1_b, eps=1e-6)
        q, k, v = F.linear(h, self.qkv_w, self.qkv_b).split(D, dim=1)
        x = x + F.linear(mha(q, k, v, DV_HEADS, (D // DV_HEADS) ** -0.5), self.proj_w, self.proj_b)
        h = F.layer_norm(x, (D,), self.ln2_w, self.ln2_b, eps=1e-6)
        return x + F.linear(F.gelu(F.linear(h, self.fc1_w, self.fc1_b)), self.fc2_w, self.fc2_b)


class Pass(torch.nn.Module):
    """A function of the inputs over fixed weight tensors, registered as buffers so that torch.onnx.export stores them
    as initializers (the tracer resolves the function's references to them) instead of tracing them as constants."""

    def __init__(self, fn, weights):
        super().__init__()
        self.fn = fn
        for i, w in enumerate(weights):
            self.register_buffer(f"w{i}", w)

    def forward(self, *inputs):
        return self.fn(*inputs)


def tensors_of(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from tensors_of(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from tensors_of(v)


def export(path, module, inputs, input_names):
    """Exports module on these inputs (opset 17, fixed shapes) and writes them and PyTorch's output next to it."""
    with torch.no_grad():
        expected = module(*inputs)
        torch.onnx.export(module.eval(), inputs, path, input_names=input_names, output_names=["y"],
                          opset_version=17)
    base = path[:-len(".onnx")] if path.endswith(".onnx") else path
    for name, value in zip(input_names, inputs):
        value.contiguous().numpy().astype("<i8" if value.dtype == torch.int64 else "<f4").tofile(
            f"{base}.in.{name}.bin")
    expected.contiguous().numpy().astype("<f4").tofile(f"{base}.out.bin")
    print(f"torch_blip2: wrote {path} ({os.path.getsize(path) / 1e6:.0f} MB), output {list(expected.shape)}",
          flush=True)


def export_onnx(out_dir):
    """Writes vit_layer.onnx, qformer_image.onnx and text20.onnx (see the module comment) into out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    tokens = (224 // PATCH) ** 2 + 1
    export(os.path.join(out_dir, "vit_layer.onnx"), VitLayer(one_vit_layer()), (torch.randn(tokens, D),), ["x"])

    layers, ln, query_tokens = qformer_layers(), ln_params(H), rnd(NQ, H)
    vision_proj, text_proj = (rnd(E, H), rnd(E)), (rnd(E, H), rnd(E))
    word, pos = rnd(VOCAB, H), rnd(MAXPOS, H)
    cross = [i for i, l in enumerate(layers) if l["cross"] is not None]
    # Only the weights each pass reads, so that neither file carries the other's.
    image_weights = [query_tokens, ln, vision_proj] + [(l["self"], l["ffn_q"]) for l in layers] + [
        {k: layers[i]["cross"][k] for k in ("q", "o", "ln")} for i in cross]
    text_weights = [word, pos, ln, text_proj] + [(l["self"], l["ffn_t"]) for l in layers]

    def image_pass(*kv):  # k0, v0, k2, v2, ...: the keys and values of each cross-attention layer
        return image_features(query_tokens, layers, ln, vision_proj,
                              {i: (kv[2 * j], kv[2 * j + 1]) for j, i in enumerate(cross)})

    with torch.no_grad():
        kv = cross_kv(torch.randn(tokens, D), layers)  # from a ViT-like output Z [257, 1408]
    export(os.path.join(out_dir, "qformer_image.onnx"), Pass(image_pass, tensors_of(image_weights)),
           tuple(t for i in cross for t in kv[i]), [f"{kind}{i}" for i in cross for kind in ("k", "v")])

    ids = torch.randint(1000, 30000, (1, 20))
    ids[0, 0] = 101
    export(os.path.join(out_dir, "text20.onnx"),
           Pass(lambda i: text_features(i[0], word, pos, layers, ln, text_proj), tensors_of(text_weights)),
           (ids,), ["input_ids"])


def one_vit_layer():
    return dict(ln1=ln_params(D), qkv=(rnd(3 * D, D), rnd(3 * D)), proj=(rnd(D, D), rnd(D)), ln2=ln_params(D),
                fc1=(rnd(DV_INTER, D), rnd(DV_INTER)), fc2=(rnd(D, DV_INTER), rnd(D)))


def timed(key, runs, step):
    step()
    ms = []
    for _ in range(runs):
        t = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t) * 1e3)
    print(f"{key}={statistics.median(ms):.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[224, 364])
    ap.add_argument("--onnx", metavar="DIR", help="only export the ONNX models and their references to DIR")
    args = ap.parse_args()
    if args.onnx:
        export_onnx(args.onnx)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {args.runs} timed runs after one warm-up",
          flush=True)
    layers, post_ln = vit_layers(), ln_params(D)
    patch_w, patch_b, cls = rnd(D, 3, PATCH, PATCH), rnd(D), rnd(1, D)
    q_layers, q_ln, query_tokens = qformer_layers(), ln_params(H), rnd(NQ, H)
    vision_proj, text_proj = (rnd(E, H), rnd(E)), (rnd(E, H), rnd(E))
    word, pos_t = rnd(VOCAB, H), rnd(MAXPOS, H)
    text_done = False
    with torch.inference_mode():
        for size in args.sizes:
            g = size // PATCH
            emb = (patch_w, patch_b, cls, rnd(1 + g * g, D))
            pixels = torch.empty(1, 3, size, size).uniform_(-2, 2)
            state = {}

            def image():
                z = vit(pixels, emb, layers, post_ln)
                state["kv"] = cross_kv(z, q_layers)

            timed(f"vit{size}_ms", args.runs, image)
            timed(f"qformer{size}_ms", args.runs,
                  lambda: image_features(query_tokens, q_layers, q_ln, vision_proj, state["kv"]))
            if not text_done:
                for n in (20, 35):
                    ids = torch.randint(1000, 30000, (n,))
                    ids[0] = 101

                    timed(f"text{n}_ms", max(args.runs, 20),
                          lambda: text_features(ids, word, pos_t, q_layers, q_ln, text_proj))
                text_done = True


if __name__ == "__main__":
    main()
