"""Writes the pool list of the mini Flickr30K-FG dataset with NumPy, as the authors' Images/*.npy are written:
np.save of a <U16 array of file names (the originals and, interleaved, distractors from COCO unlabeled2017).

    python make_fg_mini.py

Also coco/Images/MSCOCO_FG_img_filenames.npy: a mini COCO-FG pool (originals named by their 2014 or 2017 file names).
The captions (Annotations/Flickr30K_FG_ann.json, coco/Annotations/MSCOCO_FG_ann.json) and the Flickr30K Entities
boxes (flickr30k_entities/) are written by hand; the images are drawn by the tests that use this folder.
"""
import numpy as np

POOL = ["000000000011.jpg", "103.jpg", "101.jpg", "000000000012.jpg", "000000000013.jpg", "102.jpg",
        "000000000014.jpg"]
np.save("Images/Flickr30K_FG_img_filenames.npy", np.array(POOL, dtype="<U16"))

# A mini COCO-FG: one original listed by its 2017 name, one by its 2014 name, and a distractor.
COCO_POOL = ["000000000101.jpg", "000000000011.jpg", "COCO_val2014_000000000102.jpg"]
np.save("coco/Images/MSCOCO_FG_img_filenames.npy", np.array(COCO_POOL))
