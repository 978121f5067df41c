package org.qpert.loaders.dataset;

/**
 * What to do with a box that is not a proper box inside its image. {@link #STRICT} and {@link #BOX} refuse a box
 * that is no {@link org.qpert.core.qpert.Box} (a coordinate not finite, inverted, empty) with a message naming file,
 * image and box; {@link #STRICT} also refuses one reaching beyond the image, {@link #BOX} clips it there and refuses
 * one with no area inside ({@link org.qpert.core.qpert.Box#clipTo}), exactly as {@code --box}, the API and the Spark
 * manifest do: the policy for qpert box files. {@link #CLIP}, for third-party annotations (COCO, Flickr30K Entities,
 * which contain a few degenerate boxes), cuts boxes to the image and drops those left without area, counting them in
 * the log; it too refuses coordinates that are not finite.
 */
public enum BoxPolicy { STRICT, BOX, CLIP }
