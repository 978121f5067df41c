package org.qpert.engine;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * Child-JVM main of {@link DeterminismTest}: embeds one image (with Q-Perturbation) and one caption on the tiny model
 * {@code iterations} times and prints the SHA-256 of every output's float bits, first and last iteration.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path image = Path.of(args[1]);
        int iterations = Integer.parseInt(args[2]);
        Blip2Retrieval m;
        try (SafetensorsWeights w = SafetensorsWeights.open(model)) {
            m = Blip2Retrieval.load(Blip2ConfigReader.read(model), w, new CpuBackend());
        }
        RgbImage rgb = new ImageDecoder().decode(image);
        float[] pixels = new ClipImageProcessor(m.config().vision().imageSize()).pixelValues(rgb);
        String first = null, last = null;
        for (int i = 0; i < iterations; i++) {
            last = digest(m, pixels, rgb);
            if (first == null) {
                first = last;
            }
        }
        System.out.println("first " + first);
        System.out.println("last " + last);
    }

    static String digest(Blip2Retrieval m, float[] pixels, RgbImage rgb) throws Exception {
        List<Box> boxes = List.of(new Box(10, 5, 60, 40), new Box(70, 10, 100, 40));
        Blip2PerturbedImage img = Blip2PerturbedImage.encode(m, pixels, rgb.height(), rgb.width(), boxes,
                Perturbation.published());
        int[] ids = {2, 5, 6, 7, 8, 9, 3};
        int[] mask = {1, 1, 1, 1, 1, 1, 1};
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        update(sha, img.imageFeatures(m));
        update(sha, m.textFeatures(ids, mask));
        update(sha, img.itmLogits(m, ids, mask));
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, float[] xs) {
        for (float x : xs) {
            int b = Float.floatToRawIntBits(x);
            sha.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
        }
    }
}
