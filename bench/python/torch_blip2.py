"""Plain PyTorch timing of the computation bench/.../EndToEndBench.java times in qpert: blip2-itm-vit-g at its real
sizes with random weights (uniform +-0.02, LayerNorm weights 1), float32, inference mode, T threads.

  vit<S>_ms      ViT-g/14 on one SxS image (patch conv, 39 pre-LN layers, post-LN) + the cross-attention K/V projections
  qformer<S>_ms  Q-Former image pass: 32 queries, 12 layers (cross-attention every 2nd), vision_projection, normalize
  text<L>_ms     Q-Former text pass of L tokens (12 layers, text FFN), text_projection of [CLS], normalize

Prints one key=milliseconds line per step (median of the timed runs after one warm-up), like the Java side.
"""
import argparse
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


def export_layer(path, tokens):
    """Writes one ViT-g layer for T tokens as ONNX (torch.onnx.export, opset 17), input x [T, 1408] -> [T, 1408]."""
    torch.manual_seed(0)
    layer = VitLayer(one_vit_layer())
    torch.onnx.export(layer.eval(), (torch.zeros(tokens, D),), path, input_names=["x"], output_names=["y"],
                      opset_version=17)


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
    ap.add_argument("--onnx-layer", help="only export one ViT-g layer (224 px: 257 tokens) to this ONNX file")
    args = ap.parse_args()
    if args.onnx_layer:
        export_layer(args.onnx_layer, (224 // PATCH) ** 2 + 1)
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

            def image_features():
                out = qformer(query_tokens, q_layers, q_ln, state["kv"])
                return F.normalize(F.linear(out, *vision_proj), dim=-1)

            timed(f"vit{size}_ms", args.runs, image)
            timed(f"qformer{size}_ms", args.runs, image_features)
            if not text_done:
                for n in (20, 35):
                    ids = torch.randint(1000, 30000, (n,))
                    ids[0] = 101

                    def text_features():
                        x = word[ids] + pos_t[:n]
                        out = qformer(x, q_layers, q_ln, None, "ffn_t")
                        return F.normalize(F.linear(out[:1], *text_proj), dim=-1)

                    timed(f"text{n}_ms", max(args.runs, 20), text_features)
                text_done = True


if __name__ == "__main__":
    main()
