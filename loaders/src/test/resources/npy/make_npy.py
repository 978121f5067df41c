"""Writes the .npy files NpyStringsTest reads: good ones by NumPy itself (np.save / np.lib.format), bad ones as
NumPy's bytes with one thing changed. Run from this folder with any NumPy (1.x or 2.x):

    python make_npy.py

The files are committed; the test never runs Python.
"""
import io

import numpy as np
from numpy.lib import format as npf

# As the FG benchmarks publish them: <U16 file names, Flickr30K originals (14 chars) and COCO unlabeled2017 (16).
NAMES = ["1007129816.jpg", "000000000008.jpg", "101362133.jpg", "000000581921.jpg"]
# Non-ASCII, a character outside the BMP (two UTF-16 units in Java) and an empty string.
UNICODE = ["caf\u00e9.jpg", "\U0001F600.png", "", "z"]


def saved(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        npf.write_array(buf, array, version=version)
    return buf.getvalue()


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def replace_header(data, old, new):
    """Same bytes with a header text changed, the header length and padding kept (v1: 2-byte length at 8)."""
    header_len = int.from_bytes(data[8:10], "little")
    header = data[10:10 + header_len].decode("latin1")
    assert old in header, (old, header)
    changed = header.replace(old, new).rstrip("\n").rstrip(" ")
    changed = changed + " " * (header_len - 1 - len(changed)) + "\n"
    assert len(changed) == header_len, "replacement does not fit the header's padding"
    return data[:10] + changed.encode("latin1") + data[10 + header_len:]


names = np.array(NAMES, dtype="<U16")
write("names_v1.npy", saved(names))
write("names_v2.npy", saved(names, (2, 0)))
write("names_v3.npy", saved(names, (3, 0)))
write("unicode.npy", saved(np.array(UNICODE)))  # dtype <U5
write("empty.npy", saved(np.array([], dtype="<U16")))

v1 = saved(names)
write("big_endian.npy", saved(names.astype(">U16")))
write("int64.npy", saved(np.arange(4, dtype="<i8")))
write("bytes.npy", saved(np.array([b"a.jpg"], dtype="S16")))
write("two_d.npy", saved(np.array([NAMES[:2], NAMES[2:]], dtype="<U16")))
write("fortran.npy", replace_header(v1, "'fortran_order': False", "'fortran_order': True"))
write("truncated.npy", v1[:-7])
write("trailing.npy", v1 + b"\0\0\0\0")
write("claims_huge.npy", replace_header(v1, "(4,)", "(4000000000000,)"))
write("bad_magic.npy", b"\x93NUMPX" + v1[6:])
write("bad_version.npy", v1[:6] + bytes([9, 0]) + v1[8:])
write("header_too_long.npy", v1[:8] + (60000).to_bytes(2, "little") + v1[10:])
write("missing_key.npy", replace_header(v1, "'fortran_order': False, ", ""))
write("extra_key.npy", replace_header(v1, "'shape': (4,), ", "'shape': (4,), 'x': 1, "))
write("not_a_dict.npy", replace_header(v1, "{", "["))
write("bad_utf32.npy", v1[:-4] + (0x110000).to_bytes(4, "little"))
