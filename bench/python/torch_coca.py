"""open_clip's own CoCa on PyTorch, timed for bench/compare-coca.sh against qpert's CoCa on the same computations:
coca_ViT-L-14 (or --model NAME) with open_clip's random initialization, inference mode, T threads, CPU.

  image_ms   encode_image(normalize=True) of one 224x224 image: ViT-L/14 (24 layers over 257 tokens), the attentional
             pooler, ln_post, proj
  text20_ms  encode_text(normalize=True) of one caption of 20 tokens (SOT, 18 ids, EOT) padded to the context of 76, as
             open_clip runs it (76 + the appended cls = 77 positions, every one computed)

Each step runs in float32 and under torch.autocast("cpu", torch.bfloat16) (keys *_bf16_ms). Prints one key=value line
per figure (median of the timed runs after warm-ups) and a '# torch ...' line with the versions and threads.

With --onnx DIR it exports instead (torch.onnx.export, opset 17, fixed shapes) coca_image.onnx (pixels [1, 3, 224,
224] -> normalized image features [1, E]) and coca_text20.onnx (input_ids [1, 76] int64 -> normalized text features
[1, E]) with PyTorch's input and output next to each as raw little-endian arrays (NAME.in.INPUT.bin, NAME.out.bin),
which bench/.../OrtBench.java reads to check ONNX Runtime's result before timing it.

open_clip imports torchvision, whose wheel in the local cache is a CUDA build: its C operators do not load on CPU
torch and its meta registrations fail at import. Nothing here uses them (open_clip needs only torchvision's Python
transforms), so the meta-registration module is replaced by an empty one before the import.
"""
import argparse
import os
import statistics
import sys
import time
import types

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402
import open_clip  # noqa: E402


def caption_ids(model, length=20):
    ctx = model.context_length if hasattr(model, "context_length") else 76
    g = torch.Generator().manual_seed(7)
    ids = torch.zeros(1, ctx, dtype=torch.long)
    ids[0, 0] = 49406
    ids[0, 1:length - 1] = torch.randint(1, 49405, (length - 2,), generator=g)
    ids[0, length - 1] = 49407
    return ids


def median_ms(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="coca_ViT-L-14")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--onnx", metavar="DIR")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = open_clip.create_model(a.model, pretrained=None).eval()
    pixels = torch.randn(1, 3, 224, 224)
    ids = caption_ids(model)

    def image():
        return model.encode_image(pixels, normalize=True)

    def text():
        return model.encode_text(ids, normalize=True)

    if a.onnx:
        export(a.onnx, model, pixels, ids)
        return
    print(f"# torch {torch.__version__} open_clip {open_clip.__version__} {a.model} threads={a.threads} "
          f"runs={a.runs} mkldnn_bf16={torch.backends.mkldnn.is_available()}")
    with torch.inference_mode():
        print(f"image_ms={median_ms(image, a.runs):.1f}")
        print(f"text20_ms={median_ms(text, a.runs * 4):.2f}")
        with torch.autocast("cpu", torch.bfloat16):
            print(f"image_bf16_ms={median_ms(image, a.runs):.1f}")
            print(f"text20_bf16_ms={median_ms(text, a.runs * 4):.2f}")


class Image(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.encode_image(pixel_values, normalize=True)


class Text(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model.encode_text(input_ids, normalize=True)


def export(out, model, pixels, ids):
    os.makedirs(out, exist_ok=True)
    for name, module, arg, input_name in (("coca_image", Image(model), pixels, "pixel_values"),
                                          ("coca_text20", Text(model), ids, "input_ids")):
        path = os.path.join(out, name + ".onnx")
        with torch.inference_mode():
            expected = module(arg)
        torch.onnx.export(module, (arg,), path, input_names=[input_name], output_names=["features"],
                          opset_version=17, dynamo=False)
        arg.numpy().tofile(os.path.join(out, f"{name}.in.{input_name}.bin"))
        expected.numpy().astype("float32").tofile(os.path.join(out, f"{name}.out.bin"))
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
