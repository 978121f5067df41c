package org.qpert.loaders.config;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qpert.core.model.ModelConfig;

/**
 * Reads a checkpoint's {@code config.json} for any supported family, chosen by {@code model_type}: {@code blip-2}
 * (also when the key is absent, as in older BLIP-2 files) → {@link Blip2ConfigReader}, {@code owlv2} →
 * {@link Owlv2ConfigReader} ({@code internvl} has its own {@link InternvlConfigReader}). The file checks (existence,
 * size, strict JSON) are shared by every family.
 */
public final class ModelConfigReader {
    public static final String FILE_NAME = "config.json";
    /** Real configs are a few KB; this refuses to read a wrong, huge file into memory. */
    private static final long MAX_BYTES = 10L * 1024 * 1024;

    private ModelConfigReader() {
    }

    /** Reads {@code config.json}, given as the file or its checkpoint folder. */
    public static ModelConfig read(Path fileOrDir) throws IOException {
        Path file = configFile(fileOrDir);
        return parse(readText(file), file.toString());
    }

    /**
     * The {@code model_type} of the checkpoint in {@code dir} ({@code blip-2} when the key is absent, as in older
     * BLIP-2 files), or empty when it has no {@code config.json}; a malformed file is refused naming it.
     */
    public static java.util.Optional<String> modelType(Path dir) throws IOException {
        Path file = configFile(dir);
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(root(readText(file), file.toString()).string("model_type", "blip-2"));
    }

    /** Parses config text of any supported family; {@code source} names it in error messages. */
    public static ModelConfig parse(String json, String source) {
        JsonFields root = root(json, source);
        String modelType = root.string("model_type", "blip-2");
        return switch (modelType) {
            case "blip-2" -> Blip2ConfigReader.parse(root, source);
            case "owlv2" -> Owlv2ConfigReader.parse(root, source);
            default -> throw root.invalid("model_type", "is '" + modelType + "', not one of 'blip-2', 'owlv2'");
        };
    }

    static Path configFile(Path fileOrDir) {
        return Files.isDirectory(fileOrDir) ? fileOrDir.resolve(FILE_NAME) : fileOrDir;
    }

    static String readText(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such file");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new ConfigException(file + ": " + size + " bytes, more than the " + MAX_BYTES
                    + "-byte limit for a config");
        }
        return org.qpert.loaders.TextFiles.readUtf8(file);
    }

    static JsonFields root(String json, String source) {
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            JsonElement e = new Gson().getAdapter(JsonElement.class).read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new ConfigException(source + ": not valid JSON: content after the top-level object");
            }
            if (e == null || !e.isJsonObject()) {
                throw new ConfigException(source + ": must hold a JSON object");
            }
            return new JsonFields(source, "", e.getAsJsonObject());
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new ConfigException(source + ": not valid JSON: " + e.getMessage(), e);
        }
    }
}
