package org.qpert.core.qpert;

/** How a box becomes soft weights on the ViT's patch tokens (spec/QPERT.md §3). */
public enum CoverageMode {
    /**
     * The authors' evaluation: binary mask at the original size, bilinear resize to S × S (no antialiasing,
     * align_corners false) in float32, every positive value set to 1, mean over each patch. A box thinner than the
     * downscale factor can fall between sampled rows and cover nothing.
     */
    MASK_RESIZE,
    /** Exact overlap of the box with each patch's footprint in original coordinates; never vanishes. */
    EXACT_AREA
}
