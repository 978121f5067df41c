package org.qpert.core.parity;

/**
 * The inputs of a reference export: images [3, S, S] each, texts (ids and masks of one length L), and the
 * (image, text) pairs of the ITM pass.
 */
public record ParityInputs(float[][] pixels, int[][] inputIds, int[][] attentionMasks, int[] pairImage,
        int[] pairText) {
    public ParityInputs {
        if (inputIds.length != attentionMasks.length) {
            throw new IllegalArgumentException(inputIds.length + " texts but " + attentionMasks.length + " masks");
        }
        if (pairImage.length != pairText.length) {
            throw new IllegalArgumentException("ITM pair lists differ in length: " + pairImage.length + " vs "
                    + pairText.length);
        }
        for (int p = 0; p < pairImage.length; p++) {
            if (pairImage[p] < 0 || pairImage[p] >= pixels.length || pairText[p] < 0 || pairText[p] >= inputIds.length) {
                throw new IllegalArgumentException("ITM pair " + p + " = (image " + pairImage[p] + ", text "
                        + pairText[p] + ") is outside " + pixels.length + " images and " + inputIds.length + " texts");
            }
        }
    }
}
