package org.qpert.core.retrieval;

/**
 * Both directions of one evaluation over one set of queries (spec/QPERT.md §7).
 *
 * @param textToImage text queries against the image gallery
 * @param imageToText image queries against the caption gallery (rank = best rank among the image's captions)
 */
public record RetrievalMetrics(RankMetrics textToImage, RankMetrics imageToText) {

    /** Sum of the six recalls R@1/5/10 of both directions. */
    public double rsum() {
        return textToImage.r1() + textToImage.r5() + textToImage.r10()
                + imageToText.r1() + imageToText.r5() + imageToText.r10();
    }

    /** Mean of the six recalls. */
    public double meanRecall() {
        return rsum() / 6;
    }
}
