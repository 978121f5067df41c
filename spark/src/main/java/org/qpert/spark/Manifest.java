package org.qpert.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.qpert.core.qpert.Box;

/**
 * The gallery list the Spark job embeds: CSV with a header, JSON lines, or Parquet, one row per image with
 * {@code path} (a path, relative ones against the manifest's folder, or a {@code file:} URI), optionally {@code id}
 * (default: the path as written) and {@code boxes} ({@code [[x0, y0, x1, y1], ...]} in original pixels: a JSON string
 * in CSV, an array of arrays or such a string in JSON lines and Parquet; absent, null or an empty cell: no annotation,
 * {@code []}: annotated without objects). Other columns are ignored. A bad row fails the job with the file, the row
 * (counted from 1, without the CSV header) and the reason.
 */
public final class Manifest {
    public static final String PATH = "path";
    public static final String ID = "id";
    public static final String BOXES = "boxes";

    public enum Format {
        CSV, JSONL, PARQUET;

        /** From the flag, or when it is null from the file name's extension. */
        public static Format of(String flag, Path file) {
            String name = flag != null ? flag : extension(file);
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "csv" -> CSV;
                case "jsonl", "json", "ndjson" -> JSONL;
                case "parquet" -> PARQUET;
                default -> throw new IllegalArgumentException(flag != null
                        ? "--format must be csv, jsonl or parquet, got '" + flag + "'"
                        : "manifest " + file + ": cannot tell its format from the name (.csv, .jsonl or .parquet);"
                        + " give --format");
            };
        }

        private static String extension(Path file) {
            String n = file.getFileName().toString();
            int dot = n.lastIndexOf('.');
            return dot < 0 ? "" : n.substring(dot + 1);
        }
    }

    private Manifest() {
    }

    /**
     * The validated rows of {@code file}, parsed on the executors (lazily: the first action over them reports the
     * first bad row). The columns are checked here, on the driver.
     */
    public static JavaRDD<ManifestEntry> entries(SparkSession spark, Path file, Format format) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("manifest " + file + " does not exist");
        }
        String uri = file.toAbsolutePath().toUri().toString();
        Dataset<Row> rows = switch (format) {
            case CSV -> spark.read().option("header", "true").option("mode", "FAILFAST").csv(uri);
            case JSONL -> spark.read().option("mode", "FAILFAST").json(uri);
            case PARQUET -> spark.read().parquet(uri);
        };
        List<String> columns = Arrays.asList(rows.columns());
        if (!columns.contains(PATH)) {
            throw new IllegalArgumentException("manifest " + file + " has no '" + PATH + "' column (columns: "
                    + columns + ")");
        }
        int path = columns.indexOf(PATH), id = columns.indexOf(ID), boxes = columns.indexOf(BOXES);
        String name = file.toString();
        String base = file.toAbsolutePath().getParent().toString();
        return rows.javaRDD().zipWithIndex().map(t -> parse(t._1(), t._2(), path, id, boxes, name, base));
    }

    static ManifestEntry parse(Row r, long index, int pathCol, int idCol, int boxesCol, String file, String base) {
        String where = "manifest " + file + ", row " + (index + 1);
        Object p = r.get(pathCol);
        if (p != null && !(p instanceof String)) {
            throw new IllegalArgumentException(where + ": '" + PATH + "' must be text, got " + p);
        }
        String path = (String) p;
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException(where + ": '" + PATH + "' is empty");
        }
        String id = path;
        if (idCol >= 0 && r.get(idCol) != null) {
            id = r.get(idCol).toString();
            if (id.isBlank()) {
                throw new IllegalArgumentException(where + ": '" + ID + "' is empty");
            }
        }
        double[][] boxes;
        try {
            boxes = boxesCol < 0 ? null : boxes(r.get(boxesCol));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + BOXES + " " + e.getMessage(), e);
        }
        return new ManifestEntry(index, id, resolve(path, base, where), boxes);
    }

    private static String resolve(String path, String base, String where) {
        if (path.regionMatches(true, 0, "file:", 0, 5)) {
            try {
                return Path.of(URI.create(path)).toString();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": '" + path + "' is not a valid file URI ("
                        + e.getMessage() + ")", e);
            }
        }
        if (path.matches("[a-zA-Z][a-zA-Z0-9+.-]+://.*")) {
            throw new IllegalArgumentException(where + ": '" + path + "': only local paths and file: URIs are "
                    + "supported (the images must be on a file system every executor mounts)");
        }
        Path p = Path.of(path);
        return (p.isAbsolute() ? p : Path.of(base).resolve(p)).normalize().toString();
    }

    /** The boxes of a cell: null for none, else one validated (x0, y0, x1, y1) per box. */
    private static double[][] boxes(Object cell) {
        if (cell == null) {
            return null;
        }
        List<?> list;
        if (cell instanceof String s) {
            if (s.isBlank()) {
                return null;
            }
            list = json(s);
        } else if (cell instanceof scala.collection.Seq<?> seq) {
            list = scala.jdk.javaapi.CollectionConverters.asJava(seq);
        } else if (cell instanceof List<?> l) {
            list = l;
        } else {
            throw new IllegalArgumentException("must be a list of [x0, y0, x1, y1], got " + cell);
        }
        double[][] out = new double[list.size()][];
        for (int i = 0; i < list.size(); i++) {
            Object b = list.get(i);
            List<?> coords = b instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
                    : b instanceof List<?> l ? l : null;
            if (coords == null || coords.size() != 4 || !coords.stream().allMatch(c -> c instanceof Number)) {
                throw new IllegalArgumentException("box " + (i + 1) + " must be 4 numbers [x0, y0, x1, y1], got "
                        + b);
            }
            double[] xy = coords.stream().mapToDouble(c -> ((Number) c).doubleValue()).toArray();
            try {
                new Box(xy[0], xy[1], xy[2], xy[3]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("box " + (i + 1) + ": " + e.getMessage(), e);
            }
            out[i] = xy;
        }
        return out;
    }

    private static List<?> json(String s) {
        JsonElement e;
        try {
            e = JsonParser.parseString(s);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException("is not JSON: " + s, ex);
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("must be a list of [x0, y0, x1, y1], got " + s);
        }
        List<Object> out = new ArrayList<>();
        for (JsonElement box : e.getAsJsonArray()) {
            if (!box.isJsonArray()) {
                out.add(box.toString());
                continue;
            }
            List<Object> coords = new ArrayList<>();
            for (JsonElement c : (JsonArray) box) {
                coords.add(c.isJsonPrimitive() && c.getAsJsonPrimitive().isNumber() ? c.getAsDouble() : c.toString());
            }
            out.add(coords);
        }
        return out;
    }
}
