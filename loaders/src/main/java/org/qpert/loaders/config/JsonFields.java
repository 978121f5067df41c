package org.qpert.loaders.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.util.Optional;

/** Typed, optional reads of one JSON object's fields, with errors naming file and field path. */
final class JsonFields {
    private final String file;
    private final String prefix;
    private final JsonObject object;

    JsonFields(String file, String prefix, JsonObject object) {
        this.file = file;
        this.prefix = prefix;
        this.object = object;
    }

    String path(String field) {
        return prefix + field;
    }

    boolean has(String field) {
        return object.has(field);
    }

    /** Whether the object has no fields (an absent or null nested object reads as empty). */
    boolean isEmpty() {
        return object.size() == 0;
    }

    /** A nested object, or empty fields when absent or null (HF then uses the sub-config's defaults). */
    JsonFields object(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return new JsonFields(file, path(field) + ".", new JsonObject());
        }
        if (!e.isJsonObject()) {
            throw bad(field, "an object", e);
        }
        return new JsonFields(file, path(field) + ".", e.getAsJsonObject());
    }

    int integer(String field, int fallback) {
        return optionalInteger(field).orElse(fallback);
    }

    /** An integer field; absent or null gives empty. */
    Optional<Integer> optionalInteger(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw bad(field, "an integer", e);
        }
        BigDecimal v;
        try {
            v = p.getAsBigDecimal();
        } catch (NumberFormatException ex) {
            throw bad(field, "an integer", e);
        }
        try {
            return Optional.of(v.intValueExact());
        } catch (ArithmeticException ex) {
            throw bad(field, "an integer in the int range", e);
        }
    }

    /** An array of numbers (absent or null: empty). */
    java.util.List<Double> numbers(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return java.util.List.of();
        }
        if (!e.isJsonArray()) {
            throw bad(field, "an array of numbers", e);
        }
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!(x instanceof JsonPrimitive p) || !p.isNumber() || !Double.isFinite(p.getAsDouble())) {
                throw bad(field, "an array of finite numbers", e);
            }
            out.add(x.getAsDouble());
        }
        return out;
    }

    /** An array of strings (absent or null: empty). */
    java.util.List<String> strings(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return java.util.List.of();
        }
        if (!e.isJsonArray()) {
            throw bad(field, "an array of strings", e);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!(x instanceof JsonPrimitive p) || !p.isString()) {
                throw bad(field, "an array of strings", e);
            }
            out.add(x.getAsString());
        }
        return out;
    }

    double number(String field, double fallback) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw bad(field, "a number", e);
        }
        double v = p.getAsDouble();
        if (!Double.isFinite(v)) {
            throw bad(field, "a finite number", e);
        }
        return v;
    }

    /** A number that must be above zero (e.g. a LayerNorm epsilon). */
    double positive(String field, double fallback) {
        double v = number(field, fallback);
        if (!(v > 0)) {
            throw invalid(field, "must be positive, found " + v);
        }
        return v;
    }

    Optional<Boolean> optionalBool(String field) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (!(e instanceof JsonPrimitive p) || !p.isBoolean()) {
            throw bad(field, "true or false", e);
        }
        return Optional.of(p.getAsBoolean());
    }

    String string(String field, String fallback) {
        JsonElement e = object.get(field);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw bad(field, "a string", e);
        }
        return p.getAsString();
    }

    ConfigException bad(String field, String expected, JsonElement found) {
        String shown = found.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return new ConfigException(file + ": field '" + path(field) + "' must be " + expected + ", found " + shown);
    }

    ConfigException invalid(String field, String problem) {
        return new ConfigException(file + ": field '" + path(field) + "' " + problem);
    }
}
