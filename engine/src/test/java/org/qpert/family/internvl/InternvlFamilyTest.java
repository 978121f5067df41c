package org.qpert.family.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.family.CaptionEncoder;
import org.qpert.family.CaptionOptions;
import org.qpert.family.FamilyModel;
import org.qpert.family.ModelFamilies;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import org.qpert.loaders.safetensors.TensorInfo;
import org.qpert.loaders.text.Encoding;

/**
 * The InternVL plug-in on tiny-internvl: found by its {@code model_type}; images squashed and ImageNet-normalized as
 * InternVL's transform (exactly, from the shared resize fixture); captions as {@code "summarize:"} + SentencePiece
 * with BOS/EOS exactly as the fixture's ids, unpadded; the variant from {@code architectures}, else InternVL-G; the
 * features through the family-neutral {@link FamilyModel} within 1e-5 of the PyTorch export.
 */
class InternvlFamilyTest {
    static final Path DIR = Path.of("../testdata/parity/tiny-internvl");
    static final Path INPUTS = Path.of("../testdata/parity/inputs");

    @Test
    void theFolderIsRecognisedByItsModelType() {
        assertEquals("internvl", ModelFamilies.of(DIR).name());
        assertTrue(!new InternvlFamily().recognises(Path.of("../testdata/parity/tiny-blip2")));
    }

    @Test
    void imagesAreSquashedAndImagenetNormalized(@TempDir Path dir) throws IOException {
        JsonObject cfg = config();
        cfg.getAsJsonObject("vision_config").addProperty("image_size", 224);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        var images = new InternvlFamily().images(dir);
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        try (SafetensorsFile f = SafetensorsFile.open(INPUTS.resolve("images.safetensors"))) {
            for (String name : List.of("rgb_500x375", "rgba_200x300", "palette_120x90")) {
                RgbImage image = new ImageDecoder().decode(INPUTS.resolve("images").resolve(name + ".png"));
                byte[] u8 = f.readBytes("resized_u8/224/" + name); // [224, 224, 3]
                float[] want = new float[u8.length];
                int plane = u8.length / 3;
                for (int i = 0; i < plane; i++) {
                    for (int c = 0; c < 3; c++) {
                        want[c * plane + i] = ((u8[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
                    }
                }
                assertArrayEquals(want, images.pixelValues(image), name);
            }
        }
    }

    @Test
    void captionsArePrefixedAndEncodedAsTheReference() throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(DIR.resolve("tokenizer/cases.json")))
                .getAsJsonObject();
        int length = fixture.get("max_length").getAsInt(); // the fixture's, not the real 80
        CaptionEncoder captions = new InternvlFamily().captions(DIR, new CaptionOptions(length, true));
        for (JsonElement e : fixture.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int[] padded = ints(c.getAsJsonArray("input_ids"));
            int real = (int) Arrays.stream(padded).filter(id -> id > 0).count();
            String text = c.get("text").getAsString();
            if (text.isBlank()) { // as every family: an empty caption is refused, not searched for
                assertThrows(IllegalArgumentException.class, () -> captions.encode(text));
                continue;
            }
            assertArrayEquals(Arrays.copyOf(padded, real), captions.encode(text).ids(), text);
        }
    }

    @Test
    void theHubsArchitectureTakesInternvlGAndTheFeaturesMatchTheReference() throws IOException {
        try (CpuBackend backend = new CpuBackend();
             SafetensorsFile a = SafetensorsFile.open(DIR.resolve("activations.safetensors"))) {
            FamilyModel g = new InternvlFamily().load(DIR, backend, CaptionOptions.DEFAULT);
            assertEquals("InternVL-G", g.card().title());
            assertFeatures(g, a, "G");
        }
    }

    @Test
    void architecturesNamingInternvlCTakesIt(@TempDir Path dir) throws IOException {
        JsonObject cfg = config();
        JsonArray arch = new JsonArray();
        arch.add("InternVL_C");
        cfg.add("architectures", arch);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        Files.createSymbolicLink(dir.resolve("model.safetensors"), DIR.resolve("model.safetensors").toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("tokenizer"), DIR.resolve("tokenizer").toAbsolutePath());
        try (CpuBackend backend = new CpuBackend();
             SafetensorsFile a = SafetensorsFile.open(DIR.resolve("activations.safetensors"))) {
            FamilyModel c = new InternvlFamily().load(dir, backend, CaptionOptions.DEFAULT);
            assertEquals("InternVL-C", c.card().title());
            assertFeatures(c, a, "C");
        }
    }

    /**
     * The real checkpoint's layout: BF16 in three shards with {@code model.safetensors.index.json}; through the family
     * it gives the export's {@code bf16w/} features within 1e-5. Written without {@code clip_projector2}, QLLaMA's
     * query tokens and cross-attention, InternVL-C still loads (it never reads the image pass of QLLaMA), and
     * InternVL-G is refused naming a missing tensor.
     */
    @Test
    void aShardedBf16CheckpointAndOnlyWhatTheVariantNeeds(@TempDir Path dir) throws IOException {
        Files.copy(DIR.resolve("config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("tokenizer"), DIR.resolve("tokenizer").toAbsolutePath());
        shard(DIR.resolve("model-bf16.safetensors"), dir, 3, name -> true);
        try (CpuBackend backend = new CpuBackend();
             SafetensorsFile a = SafetensorsFile.open(DIR.resolve("activations.safetensors"))) {
            FamilyModel g = new InternvlFamily().load(dir, backend, CaptionOptions.DEFAULT, "G");
            assertFeatures(g, a, "G", "bf16w/");
        }
        Path cOnly = dir.resolve("c-only");
        Files.createDirectories(cOnly);
        Files.copy(DIR.resolve("config.json"), cOnly.resolve("config.json"));
        Files.createSymbolicLink(cOnly.resolve("tokenizer"), DIR.resolve("tokenizer").toAbsolutePath());
        shard(DIR.resolve("model-bf16.safetensors"), cOnly, 3, name -> !name.startsWith("clip_projector2.")
                && !name.equals("query_tokens") && !(name.startsWith("qllama.") && name.contains(".cross_attn.")));
        try (CpuBackend backend = new CpuBackend();
             SafetensorsFile a = SafetensorsFile.open(DIR.resolve("activations.safetensors"))) {
            FamilyModel c = new InternvlFamily().load(cOnly, backend, CaptionOptions.DEFAULT, "C");
            assertFeatures(c, a, "C", "bf16w/");
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> new InternvlFamily().load(cOnly, backend, CaptionOptions.DEFAULT, "G"));
            assertTrue(g.getMessage().contains("query_tokens") || g.getMessage().contains("cross_attn")
                    || g.getMessage().contains("clip_projector2"), g.getMessage());
        }
    }

    /** The tensors of {@code file} that {@code keep} accepts, round-robin into {@code n} shards with their index. */
    private static void shard(Path file, Path dir, int n, java.util.function.Predicate<String> keep)
            throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<TensorInfo> all = f.tensors().stream().filter(t -> keep.test(t.name())).toList();
            JsonObject map = new JsonObject();
            for (int s = 0; s < n; s++) {
                SafetensorsWriter w = new SafetensorsWriter();
                String name = String.format("model-%05d-of-%05d.safetensors", s + 1, n);
                for (int i = s; i < all.size(); i += n) {
                    TensorInfo t = all.get(i);
                    w.addFloats(t.name(), t.dtype(), t.shape(), f.readFloats(t.name())); // 16-bit values round-trip
                    map.addProperty(t.name(), name);
                }
                w.write(dir.resolve(name));
            }
            JsonObject index = new JsonObject();
            index.add("weight_map", map);
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
        }
    }

    /** Image features of the export's pixels and text features of its captions (ids from the family's encoder). */
    private static void assertFeatures(FamilyModel m, SafetensorsFile a, String variant) throws IOException {
        assertFeatures(m, a, variant, "");
    }

    /** The same against the export's features of {@code prefix} ({@code bf16w/}: with BF16 weights). */
    private static void assertFeatures(FamilyModel m, SafetensorsFile a, String variant, String prefix)
            throws IOException {
        // the export's texts are the first cases, cut to its length
        int length = Math.toIntExact(a.info("inputs/input_ids").shape()[1]);
        float[] px = a.readFloats("inputs/pixel_values");
        List<float[]> pixels = List.of(Arrays.copyOf(px, px.length / 2),
                Arrays.copyOfRange(px, px.length / 2, px.length));
        List<float[]> image = m.imageFeatures(m.encodeImages(pixels),
                List.of(QueryPerturbation.NONE, QueryPerturbation.NONE));
        int e = image.get(0).length;
        assertClose(normalized(a.readFloats(prefix + "image_features/" + variant), e), concat(image),
                prefix + "image_features/" + variant);
        JsonObject fixture = JsonParser.parseString(Files.readString(DIR.resolve("tokenizer/cases.json")))
                .getAsJsonObject();
        JsonArray cases = fixture.getAsJsonArray("cases");
        float[] want = normalized(a.readFloats(prefix + "text_features"), e);
        List<Encoding> texts = new ArrayList<>();
        for (int i = 0; i < want.length / e; i++) {
            Encoding full = m.encode(cases.get(i).getAsJsonObject().get("text").getAsString());
            int[] ids = full.ids();
            texts.add(ids.length <= length ? full : new Encoding(cut(ids, length), ones(length)));
        }
        List<float[]> text = m.textFeatures(texts);
        assertClose(want, concat(text), "text_features");
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double max = 1, err = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(err / max <= 1e-5, what + ": error " + err / max + " > 1e-5");
    }

    /** Rows of {@code width} scaled to unit length (the export's features are not normalized, the model's are). */
    private static float[] normalized(float[] rows, int width) {
        float[] out = rows.clone();
        for (int r = 0; r < rows.length; r += width) {
            double sum = 0;
            for (int i = r; i < r + width; i++) {
                sum += (double) rows[i] * rows[i];
            }
            for (int i = r; i < r + width; i++) {
                out[i] = (float) (rows[i] / Math.sqrt(sum));
            }
        }
        return out;
    }

    /** BOS, the first pieces, EOS: {@code ids} truncated to {@code length} as the tokenizer truncates. */
    private static int[] cut(int[] ids, int length) {
        int[] out = Arrays.copyOf(ids, length);
        out[length - 1] = ids[ids.length - 1];
        return out;
    }

    private static int[] ones(int n) {
        int[] out = new int[n];
        Arrays.fill(out, 1);
        return out;
    }

    private static float[] concat(List<float[]> rows) {
        float[] out = new float[rows.stream().mapToInt(r -> r.length).sum()];
        int at = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, at, r.length);
            at += r.length;
        }
        return out;
    }

    private static JsonObject config() throws IOException {
        return JsonParser.parseString(Files.readString(DIR.resolve("config.json"))).getAsJsonObject();
    }

    private static int[] ints(JsonArray a) {
        return a.asList().stream().mapToInt(JsonElement::getAsInt).toArray();
    }
}
