package org.qpert.loaders.safetensors;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code model.safetensors.index.json}: which shard file holds each tensor. */
public record ShardIndex(Path indexFile, Map<String, String> weightMap) {

    public static final String FILE_NAME = "model.safetensors.index.json";
    /** An index lists names and file names only; 100 MB is generous. */
    private static final long MAX_INDEX_BYTES = 100L * 1024 * 1024;

    /** Reads and checks an index: valid JSON, a weight_map, shard names that stay inside the index's folder. */
    public static ShardIndex read(Path indexFile) throws IOException {
        String file = indexFile.toString();
        long size = Files.size(indexFile);
        if (size > MAX_INDEX_BYTES) {
            throw new SafetensorsException(file + ": " + size + " bytes, more than the " + MAX_INDEX_BYTES
                    + "-byte limit for an index");
        }
        String json = org.qpert.loaders.TextFiles.readUtf8(indexFile);
        Map<String, String> map = null;
        String tensor = null;
        try {
            JsonReader r = Json.strictReader(json);
            Json.expect(r, JsonToken.BEGIN_OBJECT, "the index");
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (!"weight_map".equals(key)) {
                    r.skipValue();
                    continue;
                }
                if (map != null) {
                    throw new Json.BadValue("'weight_map' appears twice");
                }
                map = new LinkedHashMap<>();
                Json.expect(r, JsonToken.BEGIN_OBJECT, "'weight_map'");
                r.beginObject();
                while (r.hasNext()) {
                    tensor = r.nextName();
                    if (map.containsKey(tensor)) {
                        throw new Json.BadValue("tensor '" + tensor + "' appears twice in 'weight_map'");
                    }
                    Json.expect(r, JsonToken.STRING, "shard of tensor '" + tensor + "'");
                    String shard = r.nextString();
                    checkShardName(file, tensor, shard);
                    map.put(tensor, shard);
                    tensor = null;
                }
                r.endObject();
            }
            r.endObject();
            Json.expectEnd(r);
        } catch (Json.BadValue e) {
            throw new SafetensorsException(file + ": " + e.getMessage());
        } catch (MalformedJsonException | IllegalStateException e) {
            throw new SafetensorsException(file + ": not valid JSON"
                    + (tensor == null ? "" : " (at tensor '" + tensor + "')") + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (map == null) {
            throw new SafetensorsException(file + ": missing 'weight_map'");
        }
        return new ShardIndex(indexFile, Collections.unmodifiableMap(map));
    }

    /** The shard files, each once, in the order the index first names them. */
    public java.util.List<String> shards() {
        return weightMap.values().stream().distinct().toList();
    }

    /** Shards must be plain file names in the index's folder: no separators, no '..', nothing absolute. */
    private static void checkShardName(String file, String tensor, String shard) {
        boolean plain = !shard.isEmpty() && !shard.equals(".") && !shard.equals("..") && shard.indexOf('/') < 0
                && shard.indexOf('\\') < 0 && shard.indexOf('\0') < 0 && shard.indexOf(':') < 0;
        if (!plain) {
            throw new Json.BadValue("tensor '" + tensor + "': shard '" + shard
                    + "' is not a plain file name inside the checkpoint folder");
        }
    }
}
