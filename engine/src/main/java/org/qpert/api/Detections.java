package org.qpert.api;

import java.util.List;
import org.qpert.core.detect.DetectionDecoder;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.core.qpert.Box;

/**
 * Spec OWLV2.md §5 on one image's detector outputs, then clipping, minimum size and the box budget: the math is
 * {@link DetectionDecoder}'s; this names the labels by their queries.
 */
final class Detections {

    private Detections() {
    }

    static List<Detection> decode(Owlv2Output out, int height, int width, DetectorSettings settings) {
        boolean byQuery = out.numQueries() > 0;
        List<org.qpert.core.detect.Detection> found = byQuery
                ? DetectionDecoder.classes(out, height, width, settings.threshold(), settings.nmsIou())
                : DetectionDecoder.objectness(out, height, width, settings.threshold(), settings.nmsIou());
        return DetectionDecoder.forPerturbation(found, height, width, settings.minSize(), settings.maxBoxes()).stream()
                .map(d -> {
                    Box b = d.box();
                    String label = byQuery ? settings.queries().get(d.label()) : DetectorSettings.OBJECT_LABEL;
                    return new Detection(d.patch(), d.score(), label, b.x0(), b.y0(), b.x1(), b.y1());
                })
                .toList();
    }
}
