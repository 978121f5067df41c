package org.qpert.core.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The paper's evaluation of one run (spec/QPERT.md §7): ranks of both directions, then metrics over all queries, the
 * "small" subset and each object-size bin. Only the queries are filtered by size; the gallery stays whole, so the ranks
 * are computed once. The gallery of text-to-image retrieval may hold more images than there are image queries (an
 * enlarged pool: distractors after the captioned images, which are never a caption's answer).
 *
 * @param all   metrics over every query
 * @param small metrics over the queries whose image is in bin 0
 * @param bins  metrics per size bin, index = bin; bins without queries have 0 queries and NaN metrics
 */
public record Evaluation(RetrievalMetrics all, RetrievalMetrics small, List<RetrievalMetrics> bins) {

    /**
     * @param imageToText query images × texts scores (each row ranks the captions for one image): the first images of
     *                    the gallery, those with captions
     * @param textToImage texts × images scores over the whole gallery, distractors included
     * @param textImage   the image each text describes, always a query image
     * @param imageSizes  object size of each query image (see {@link SizeBins}), NaN for an image without annotation
     */
    public static Evaluation of(ScoreMatrix imageToText, ScoreMatrix textToImage, int[] textImage,
                                double[] imageSizes) {
        if (imageSizes.length != imageToText.rows()) {
            throw new IllegalArgumentException("got " + imageSizes.length + " image sizes for " + imageToText.rows()
                    + " images");
        }
        if (textToImage.rows() != imageToText.cols() || textToImage.cols() < imageToText.rows()) {
            throw new IllegalArgumentException("text-to-image matrix " + textToImage.rows() + " x "
                    + textToImage.cols() + " does not fit image-to-text " + imageToText.rows() + " x "
                    + imageToText.cols() + " (as many texts, at least as many images)");
        }
        int[] i2t = Ranks.imageToText(imageToText, textImage);
        int[] t2i = Ranks.textToImage(textToImage, textImage);
        int[] imageBin = new int[imageSizes.length];
        for (int i = 0; i < imageBin.length; i++) {
            imageBin[i] = SizeBins.bin(imageSizes[i]);
        }
        RetrievalMetrics all = new RetrievalMetrics(RankMetrics.of(t2i), RankMetrics.of(i2t));
        List<RetrievalMetrics> bins = new ArrayList<>(SizeBins.COUNT);
        for (int b = 0; b < SizeBins.COUNT; b++) {
            int bin = b;
            int[] images = IntStream.range(0, imageBin.length).filter(i -> imageBin[i] == bin).toArray();
            int[] texts = IntStream.range(0, textImage.length).filter(t -> imageBin[textImage[t]] == bin).toArray();
            bins.add(new RetrievalMetrics(RankMetrics.of(t2i, texts), RankMetrics.of(i2t, images)));
        }
        return new Evaluation(all, bins.get(0), List.copyOf(bins));
    }
}
