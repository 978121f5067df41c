package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.detect.Detection;
import org.qpert.core.detect.DetectionDecoder;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.core.model.owlv2.Owlv2Output;

/**
 * The post-processing cases of tiny-owlv2/detections.json: on the export's own objectness logits and boxes, the same
 * patches in the same order, scores to 1e-12 and corners to 1e-9 px (both sides compute in float64 from the same
 * float32 values); and on the Java detector's outputs for the same pixels, the same patches and boxes within 1e-3 px.
 */
class Owlv2DetectionsTest {

    @TestFactory
    Stream<DynamicTest> casesOnTheExportedOutputs() throws IOException {
        float[] logits = TinyOwlv2.activations().reference().get("detector/objectness_logits").values();
        float[] boxes = TinyOwlv2.activations().reference().get("detector/pred_boxes").values();
        return cases().map(c -> DynamicTest.dynamicTest(name(c), () -> {
            int image = c.get("image").getAsInt();
            List<Detection> got = DetectionDecoder.decode(Arrays.copyOfRange(logits, image * 36, image * 36 + 36),
                    null, Arrays.copyOfRange(boxes, image * 144, image * 144 + 144), c.get("height").getAsInt(),
                    c.get("width").getAsInt(), c.get("threshold").getAsDouble(), c.get("nms_iou").getAsDouble());
            check(c, got, 1e-12, 1e-9);
        }));
    }

    @TestFactory
    Stream<DynamicTest> casesOnTheJavaDetector() throws IOException {
        Owlv2Detector model = TinyOwlv2.load("model.safetensors", new CpuBackend());
        float[][] pixels = TinyOwlv2.activations().inputs().pixels();
        Owlv2Output[] out = {model.predict(pixels[0]), model.predict(pixels[1])};
        return cases().map(c -> DynamicTest.dynamicTest(name(c), () -> {
            List<Detection> got = DetectionDecoder.objectness(out[c.get("image").getAsInt()],
                    c.get("height").getAsInt(), c.get("width").getAsInt(), c.get("threshold").getAsDouble(),
                    c.get("nms_iou").getAsDouble());
            check(c, got, 1e-5, 1e-3);
        }));
    }

    private static String name(JsonObject c) {
        return "image " + c.get("image") + " (" + c.get("height") + " x " + c.get("width") + "), threshold "
                + c.get("threshold") + ", NMS IoU " + c.get("nms_iou");
    }

    private static Stream<JsonObject> cases() throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(TinyOwlv2.DIR.resolve("detections.json")))
                .getAsJsonObject();
        return root.getAsJsonArray("cases").asList().stream().map(JsonElement::getAsJsonObject);
    }

    private static void check(JsonObject c, List<Detection> got, double scoreTol, double pixelTol) {
        JsonArray want = c.getAsJsonArray("detections");
        assertEquals(want.size(), got.size(), "detections");
        for (int i = 0; i < want.size(); i++) {
            JsonObject w = want.get(i).getAsJsonObject();
            Detection d = got.get(i);
            assertEquals(w.get("patch").getAsInt(), d.patch(), "patch of detection " + i);
            assertEquals(w.get("score").getAsDouble(), d.score(), scoreTol, "score of detection " + i);
            JsonArray box = w.getAsJsonArray("box");
            double[] mine = {d.box().x0(), d.box().y0(), d.box().x1(), d.box().y1()};
            for (int k = 0; k < 4; k++) {
                assertEquals(box.get(k).getAsDouble(), mine[k], pixelTol, "corner " + k + " of detection " + i);
            }
        }
    }
}
