package org.qpert.loaders.dataset;

/**
 * What to do with a box that is not a proper box inside its image.
 * {@link #STRICT} refuses the file with a message naming image and box; {@link #CLIP} cuts boxes to the image and
 * drops those left without area (public annotations contain a few such boxes), counting them in the log.
 * Coordinates that are not finite are refused under both.
 */
public enum BoxPolicy { STRICT, CLIP }
