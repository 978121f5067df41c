/**
 * Images as the reference sees them: decoding (PNG, JPEG and whatever else ImageIO reads), conversion to RGB as
 * Pillow's {@code convert("RGB")} does, Pillow-exact BICUBIC resizing, and CLIP normalization into model input.
 */
package org.qpert.loaders.image;
