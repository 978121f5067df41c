package org.qpert.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.qpert.core.qpert.Box;

/** A JSON object body with typed, validated fields; every problem is a 400 naming the field. */
final class JsonRequest {
    private final JsonObject body;

    private JsonRequest(JsonObject body) {
        this.body = body;
    }

    static JsonRequest parse(byte[] bytes) {
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new HttpError(400, "request body must be a JSON object");
            }
            return new JsonRequest(e.getAsJsonObject());
        } catch (JsonParseException | StackOverflowError e) {
            throw new HttpError(400, "request body is not valid JSON");
        }
    }

    boolean has(String field) {
        return body.has(field) && !body.get(field).isJsonNull();
    }

    String text(String field, int maxLength) {
        JsonPrimitive p = primitive(field, true);
        if (!p.isString() || p.getAsString().isBlank()) {
            throw new HttpError(400, "\"" + field + "\" must be a non-empty string");
        }
        if (p.getAsString().length() > maxLength) {
            throw new HttpError(400, "\"" + field + "\" is longer than " + maxLength + " characters");
        }
        return p.getAsString();
    }

    int integer(String field, int fallback, int min, int max) {
        if (!has(field)) {
            return fallback;
        }
        JsonPrimitive p = primitive(field, true);
        if (!p.isNumber() || p.getAsDouble() != Math.rint(p.getAsDouble())) {
            throw new HttpError(400, "\"" + field + "\" must be an integer");
        }
        double v = p.getAsDouble();
        if (v < min || v > max) {
            throw new HttpError(400, "\"" + field + "\" must be in " + min + ".." + max + ", got " + p);
        }
        return (int) v;
    }

    boolean bool(String field, boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonPrimitive p = primitive(field, true);
        if (!p.isBoolean()) {
            throw new HttpError(400, "\"" + field + "\" must be true or false");
        }
        return p.getAsBoolean();
    }

    /** Standard base64 (an optional data: URL prefix is dropped). */
    byte[] base64(String field) {
        String s = text(field, Integer.MAX_VALUE);
        int comma = s.startsWith("data:") ? s.indexOf(',') : -1;
        try {
            return Base64.getMimeDecoder().decode(comma >= 0 ? s.substring(comma + 1) : s);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "\"" + field + "\" is not base64: " + e.getMessage());
        }
    }

    /** [[x0, y0, x1, y1], ...] in the image's pixels; absent = none. */
    List<Box> boxes(String field, int maxBoxes) {
        if (!has(field)) {
            return List.of();
        }
        JsonElement e = body.get(field);
        if (!e.isJsonArray()) {
            throw new HttpError(400, "\"" + field + "\" must be an array of [x0, y0, x1, y1]");
        }
        JsonArray list = e.getAsJsonArray();
        if (list.size() > maxBoxes) {
            throw new HttpError(400, "\"" + field + "\" has " + list.size() + " boxes, at most " + maxBoxes);
        }
        List<Box> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonElement b = list.get(i);
            if (!b.isJsonArray() || b.getAsJsonArray().size() != 4) {
                throw new HttpError(400, "\"" + field + "\"[" + i + "] must be [x0, y0, x1, y1]");
            }
            double[] c = new double[4];
            for (int k = 0; k < 4; k++) {
                JsonElement v = b.getAsJsonArray().get(k);
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new HttpError(400, "\"" + field + "\"[" + i + "] has a coordinate that is not a number");
                }
                c[k] = v.getAsDouble();
            }
            try {
                out.add(new Box(c[0], c[1], c[2], c[3]));
            } catch (IllegalArgumentException ex) {
                throw new HttpError(400, "\"" + field + "\"[" + i + "]: " + ex.getMessage());
            }
        }
        return out;
    }

    /** A list of non-empty strings. */
    List<String> strings(String field, int maxItems, int maxLength) {
        JsonElement e = body.get(field);
        if (e == null || !e.isJsonArray() || e.getAsJsonArray().isEmpty()) {
            throw new HttpError(400, "\"" + field + "\" must be a non-empty array of strings");
        }
        if (e.getAsJsonArray().size() > maxItems) {
            throw new HttpError(400, "\"" + field + "\" has more than " + maxItems + " entries");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement s : e.getAsJsonArray()) {
            if (!s.isJsonPrimitive() || !s.getAsJsonPrimitive().isString() || s.getAsString().isBlank()
                    || s.getAsString().length() > maxLength) {
                throw new HttpError(400, "\"" + field + "\" must hold non-empty strings of at most " + maxLength
                        + " characters");
            }
            out.add(s.getAsString());
        }
        return out;
    }

    private JsonPrimitive primitive(String field, boolean required) {
        JsonElement e = body.get(field);
        if (e == null || e.isJsonNull()) {
            throw new HttpError(400, "missing \"" + field + "\"");
        }
        if (!e.isJsonPrimitive()) {
            throw new HttpError(400, "\"" + field + "\" must be a " + (required ? "value" : "primitive"));
        }
        return e.getAsJsonPrimitive();
    }
}
