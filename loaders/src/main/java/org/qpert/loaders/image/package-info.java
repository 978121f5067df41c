/**
 * Images as the reference sees them: decoding (PNG, JPEG and whatever else ImageIO reads), conversion to RGB as
 * Pillow's {@code convert("RGB")} does, Pillow-exact BICUBIC resizing and CLIP normalization into BLIP-2 input, and
 * OWLv2's processor (pad to square, Gaussian anti-aliasing, linear zoom) into detector input.
 */
package org.qpert.loaders.image;
