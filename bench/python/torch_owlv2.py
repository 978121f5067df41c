"""Plain PyTorch timing of the computation bench/.../Owlv2Bench.java times in qpert: OWLv2 base-patch16 at its real
sizes with random weights (uniform +-0.02, LayerNorm weights 1), float32, inference mode, T threads. Written the way
HF's modeling_owlv2.py computes it (separate q/k/v projections, all heads' scores in one batched matmul, quick_gelu).

  owlv2_image<S>_ms  one SxS image: patch conv, 12 pre-LN layers over 1 + (S/16)^2 tokens, post-LN, class-token merge,
                     layer_norm, box head (+ bias, sigmoid), objectness head, class head for 2 queries
  owlv2_query16_ms   one text query of 16 tokens: 12 causal layers, final LN, EOS pooling, projection, normalize

Prints one key=milliseconds line per step (median of the timed runs after one warm-up), like the Java side.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

D, LAYERS, HEADS, INTER, PATCH = 768, 12, 12, 3072, 16
T, T_LAYERS, T_HEADS, T_INTER, VOCAB, MAXPOS, P = 512, 12, 8, 2048, 49408, 16, 512


def rnd(*shape):
    return torch.empty(*shape).uniform_(-0.02, 0.02)


def ln_params(n):
    return torch.ones(n), rnd(n)


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def layers(width, inter, n):
    return [dict(ln1=ln_params(width), q=(rnd(width, width), rnd(width)), k=(rnd(width, width), rnd(width)),
                 v=(rnd(width, width), rnd(width)), o=(rnd(width, width), rnd(width)), ln2=ln_params(width),
                 fc1=(rnd(inter, width), rnd(inter)), fc2=(rnd(width, inter), rnd(width))) for _ in range(n)]


def encoder(x, ls, heads, mask=None):
    n, width = x.shape
    d = width // heads
    for l in ls:
        h = F.layer_norm(x, (width,), *l["ln1"], eps=1e-5)
        q = (F.linear(h, *l["q"]) * d ** -0.5).view(n, heads, d).transpose(0, 1)
        k = F.linear(h, *l["k"]).view(n, heads, d).transpose(0, 1)
        v = F.linear(h, *l["v"]).view(n, heads, d).transpose(0, 1)
        s = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            s = s + mask
        ctx = torch.bmm(s.softmax(dim=-1), v).transpose(0, 1).reshape(n, width)
        x = x + F.linear(ctx, *l["o"])
        h = F.layer_norm(x, (width,), *l["ln2"], eps=1e-5)
        x = x + F.linear(quick_gelu(F.linear(h, *l["fc1"])), *l["fc2"])
    return x


def mlp3(x, head):
    return F.linear(F.gelu(F.linear(F.gelu(F.linear(x, *head[0])), *head[1])), *head[2])


def box_bias(g):
    xy = torch.stack(torch.meshgrid(torch.arange(1, g + 1, dtype=torch.float32),
                                    torch.arange(1, g + 1, dtype=torch.float32), indexing="xy"), -1).view(-1, 2) / g
    size = torch.full_like(xy, 1.0 / g)
    logit = lambda v: torch.log(v + 1e-4) - torch.log1p(-v + 1e-4)
    return torch.cat([logit(xy), logit(size)], -1)


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
    ap.add_argument("--size", type=int, default=960)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {args.runs} timed runs after one warm-up",
          flush=True)
    s = args.size
    g = s // PATCH
    v_layers, pre_ln, post_ln, det_ln = layers(D, INTER, LAYERS), ln_params(D), ln_params(D), ln_params(D)
    patch_w, cls, pos = rnd(D, 3, PATCH, PATCH), rnd(D), rnd(1 + g * g, D)
    box = [(rnd(D, D), rnd(D)), (rnd(D, D), rnd(D)), (rnd(4, D), rnd(4))]
    obj = [(rnd(D, D), rnd(D)), (rnd(D, D), rnd(D)), (rnd(1, D), rnd(1))]
    cls_dense0, shift, scale = (rnd(P, D), rnd(P)), (rnd(1, D), rnd(1)), (rnd(1, D), rnd(1))
    t_layers, final_ln = layers(T, T_INTER, T_LAYERS), ln_params(T)
    tok, tpos, text_proj = rnd(VOCAB, T), rnd(MAXPOS, T), rnd(P, T)
    bias = box_bias(g)
    pixels = torch.empty(1, 3, s, s).uniform_(-2, 2)

    def query(n):
        ids = torch.randint(1000, 41000, (n,))
        ids[0], ids[-1] = 49406, 49407
        causal = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)

        def run():
            x = tok[ids] + tpos[:n]
            x = F.layer_norm(encoder(x, t_layers, T_HEADS, causal), (T,), *final_ln, eps=1e-5)
            e = F.linear(x[ids.argmax()], text_proj)
            return e / e.norm()
        return run

    with torch.inference_mode():
        queries = torch.stack([query(16)(), query(9)()])

        def image():
            x = F.conv2d(pixels, patch_w, stride=PATCH).flatten(2).transpose(1, 2)[0]  # [g*g, D]
            x = torch.cat([cls[None], x], dim=0) + pos
            x = encoder(F.layer_norm(x, (D,), *pre_ln, eps=1e-5), v_layers, HEADS)
            x = F.layer_norm(x, (D,), *post_ln, eps=1e-5)
            feats = F.layer_norm(x[1:] * x[:1], (D,), *det_ln, eps=1e-5)
            boxes = torch.sigmoid(mlp3(feats, box) + bias)
            objectness = mlp3(feats, obj)[:, 0]
            e = F.linear(feats, *cls_dense0)
            e = e / (e.norm(dim=-1, keepdim=True) + 1e-6)
            q = queries / (queries.norm(dim=-1, keepdim=True) + 1e-6)
            logits = (e @ q.T + F.linear(feats, *shift)) * (F.elu(F.linear(feats, *scale)) + 1)
            return boxes, objectness, logits

        timed(f"owlv2_image{s}_ms", args.runs, image)
        timed("owlv2_query16_ms", max(args.runs, 20), query(16))


if __name__ == "__main__":
    main()
