"""Writes testdata/parity/tiny-internvl/tokenizer/sentencepiece_cases.json: random texts encoded by the sentencepiece
library itself with the fixture's tiny tokenizer.model, so SentencePieceTokenizerTest checks the Java encoder on many
more strings than the fixture's eight (letters, digits, runs of spaces, punctuation, accents, CJK, emoji, bytes the
vocabulary lacks). Run with a Python that has sentencepiece (pip install --index-url file:///opt/pypi/simple
sentencepiece):  python loaders/src/test/python/make_sentencepiece_cases.py
"""
import json
import os
import random

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "..", "..", "..", "testdata", "parity", "tiny-internvl", "tokenizer")
ALPHABET = list("abcdefghijklmnopqrstuvwxyz") * 4 + list("ABCXYZ0123456789") + [" "] * 12 + list(
    ".,:;!?'\"-()[]/") + ["é", "ï", "ü", "ß", "東", "京", "😀", "\u2581", "\t", "  "]


def main():
    sp = spm.SentencePieceProcessor(model_file=os.path.join(DIR, "tokenizer.model"))
    rnd = random.Random(2026)
    texts = ["", " ", "   ", "a", "summarize:", "summarize:a dog", "\u2581leading", "x  y   z"]
    for _ in range(300):
        texts.append("summarize:" + "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 40))))
    cases = [{"text": t, "pieces": sp.encode(t, out_type=str), "ids": sp.encode(t)} for t in texts]
    out = os.path.join(DIR, "sentencepiece_cases.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"source": f"sentencepiece {spm.__version__} on tokenizer.model (no BOS/EOS)", "cases": cases}, f,
                  ensure_ascii=False, indent=0)
    print("wrote", out, len(cases), "cases")


if __name__ == "__main__":
    main()
