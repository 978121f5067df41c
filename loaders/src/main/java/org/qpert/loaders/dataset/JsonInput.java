package org.qpert.loaders.dataset;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads JSON files and fields with errors that name the file and the element at fault. */
final class JsonInput {

    private JsonInput() {
    }

    static JsonElement read(Path file) {
        try {
            return org.qpert.loaders.TextFiles.readJson(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static JsonObject object(JsonElement e, String where) {
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object");
        }
        return e.getAsJsonObject();
    }

    static JsonArray array(JsonElement e, String where) {
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException(where + ": expected a JSON array");
        }
        return e.getAsJsonArray();
    }

    static String string(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isString()) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    static double number(JsonElement e, String where) {
        if (e == null || !e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
            throw new IllegalArgumentException(where + ": expected a number");
        }
        return e.getAsDouble();
    }

    static int positiveInt(JsonObject o, String key, String where) {
        double v = number(o.get(key), where + ": \"" + key + "\"");
        if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" must be a positive integer, got " + v);
        }
        return (int) v;
    }

    static long integer(JsonElement e, String where) {
        double v = number(e, where);
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(where + ": expected an integer, got " + v);
        }
        return (long) v;
    }
}
