package org.qpert.core.parity;

import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;

/**
 * Inputs of a Q-Perturbation reference export (tiny-blip2/qpert-*): the model inputs, each image's original size
 * (height, width) and boxes, and the settings.
 */
public record PerturbationInputs(ParityInputs model, int[][] imageSizes, List<List<Box>> boxes, Perturbation settings) {
    public PerturbationInputs {
        int n = model.pixels().length;
        if (imageSizes.length != n || boxes.size() != n) {
            throw new IllegalArgumentException(n + " images but " + imageSizes.length + " image sizes and "
                    + boxes.size() + " box lists");
        }
        for (int[] hw : imageSizes) {
            if (hw.length != 2) {
                throw new IllegalArgumentException("an image size must be (height, width), got " + hw.length
                        + " values");
            }
        }
        boxes = boxes.stream().map(List::copyOf).toList();
    }
}
