package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.loaders.config.ConfigException;
import org.qpert.loaders.config.ModelConfigReader;
import org.qpert.loaders.config.Owlv2ConfigReader;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import org.qpert.loaders.safetensors.TensorInfo;

/** OWLv2 checkpoints through the shared config/weights path: defaults, sharding, BF16, and one-line errors. */
class Owlv2LoadingTest {
    @TempDir
    Path dir;

    static final float[] PIXELS = pixels();

    private static float[] pixels() {
        float[] px = new float[3 * 96 * 96];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.37);
        }
        return px;
    }

    /** Writes the fixture's tensors (those {@code keep} accepts) into {@code files} shards, with an index when > 1. */
    private Path rewrite(Predicate<String> keep, int files, boolean bf16) throws IOException {
        Files.copy(TinyOwlv2.DIR.resolve("config.json"), dir.resolve("config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(TinyOwlv2.DIR.resolve("model.safetensors"))) {
            List<TensorInfo> all = f.tensors().stream().filter(t -> keep.test(t.name())).toList();
            StringBuilder index = new StringBuilder("{\"weight_map\": {");
            for (int s = 0; s < files; s++) {
                SafetensorsWriter w = new SafetensorsWriter();
                String file = files == 1 ? "model.safetensors" : "model-0000" + (s + 1) + "-of-0000" + files
                        + ".safetensors";
                for (int i = s; i < all.size(); i += files) {
                    TensorInfo t = all.get(i);
                    float[] v = f.readFloats(t.name());
                    if (bf16) {
                        w.addRaw(t.name(), DType.BF16, t.shape(), bf16(v));
                    } else {
                        w.addF32(t.name(), t.shape(), v);
                    }
                    index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ")
                            .append('"').append(t.name()).append("\": \"").append(file).append('"');
                }
                w.write(dir.resolve(file));
            }
            if (files > 1) {
                Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
            }
        }
        return dir;
    }

    private static byte[] bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort((short) (Float.floatToRawIntBits(x) >>> 16)); // truncation: any BF16 values will do here
        }
        return b.array();
    }

    private static Owlv2Output run(Path folder) throws IOException {
        try (SafetensorsWeights w = SafetensorsWeights.open(folder)) {
            return Owlv2Detector.load(Owlv2ConfigReader.read(folder), w, new CpuBackend()).predict(PIXELS);
        }
    }

    @Test
    void shardedCheckpointGivesTheSameDetectorAsOneFile() throws IOException {
        Owlv2Output one = run(TinyOwlv2.DIR);
        Owlv2Output sharded = run(rewrite(n -> true, 3, false));
        assertArrayEquals(one.objectnessLogits(), sharded.objectnessLogits(), 0f);
        assertArrayEquals(one.boxes(), sharded.boxes(), 0f);
    }

    @Test
    void bf16CheckpointLoadsAndDiffersSlightly() throws IOException {
        Owlv2Output f32 = run(TinyOwlv2.DIR);
        Owlv2Output bf16 = run(rewrite(n -> true, 1, true));
        double worst = 0;
        for (int i = 0; i < f32.boxes().length; i++) {
            worst = Math.max(worst, Math.abs(f32.boxes()[i] - bf16.boxes()[i]));
        }
        assertTrue(worst > 0 && worst < 0.05, "largest box difference " + worst);
    }

    @Test
    void missingTensorIsNamedWithTheFile() throws IOException {
        String gone = "box_head.dense1.weight";
        Path folder = rewrite(n -> !n.equals(gone), 1, false);
        Exception e = assertThrows(IllegalArgumentException.class, () -> run(folder));
        assertTrue(e.getMessage().contains(gone) && e.getMessage().contains("model.safetensors"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed() throws IOException {
        Files.copy(TinyOwlv2.DIR.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        // The config claims 8 patches per side where the weights hold 6: the position table no longer fits.
        Files.writeString(dir.resolve("config.json"), Files.readString(TinyOwlv2.DIR.resolve("config.json"))
                .replace("\"image_size\": 96", "\"image_size\": 128"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> run(dir));
        assertTrue(e.getMessage().contains("owlv2.vision_model.embeddings.position_embedding.weight")
                && e.getMessage().contains("[65, 48]"), e.getMessage());
    }

    @Test
    void configDefaultsAreHfs() throws IOException {
        Owlv2Config c = Owlv2ConfigReader.read(dirWith("{\"model_type\": \"owlv2\"}"));
        assertEquals(768, c.vision().hiddenSize());
        assertEquals(12, c.vision().numHiddenLayers());
        assertEquals(768, c.vision().imageSize());
        assertEquals(16, c.vision().patchSize());
        assertEquals("quick_gelu", c.vision().hiddenAct());
        assertEquals(1e-5, c.vision().layerNormEps());
        assertEquals(512, c.text().hiddenSize());
        assertEquals(8, c.text().numAttentionHeads());
        assertEquals(49408, c.text().vocabSize());
        assertEquals(16, c.text().maxPositionEmbeddings());
        assertEquals(512, c.projectionDim());
        assertTrue(ModelConfigReader.read(dir) instanceof Owlv2Config);
    }

    @Test
    void badConfigsAreOneLineErrorsNamingTheField() {
        String[][] cases = {
                {"{\"model_type\": \"owlv2\", \"vision_config\": {\"hidden_act\": \"relu\"}}", "vision_config.hidden_act"},
                {"{\"model_type\": \"owlv2\", \"vision_config\": {\"image_size\": 100}}", "patch_size"},
                {"{\"model_type\": \"owlv2\", \"projection_dim\": 64}", "projection_dim"},
                {"{\"model_type\": \"owlv2\", \"text_config\": {\"num_attention_heads\": 0}}", "num_attention_heads"},
                {"{\"model_type\": \"yolo\"}", "model_type"},
        };
        for (String[] c : cases) {
            Exception e = assertThrows(ConfigException.class, () -> ModelConfigReader.read(dirWith(c[0])), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("config.json"), e.getMessage());
        }
    }

    private Path dirWith(String config) {
        try {
            Files.writeString(dir.resolve("config.json"), config);
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
