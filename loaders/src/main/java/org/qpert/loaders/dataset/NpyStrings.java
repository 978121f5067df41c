package org.qpert.loaders.dataset;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a NumPy {@code .npy} file holding a 1-D array of fixed-width unicode strings ({@code <U16}), as the FG
 * benchmarks publish their image lists. The format (NumPy's {@code numpy.lib.format}): the magic {@code \x93NUMPY},
 * a version byte pair (1.0, 2.0 or 3.0), the header length (2 bytes little-endian in 1.0, 4 in 2.0 and 3.0), a header
 * that is a Python dict literal {@code {'descr': '<U16', 'fortran_order': False, 'shape': (N,), }} (Latin-1, UTF-8 in
 * 3.0), then N elements of W UTF-32 little-endian code points each, NUL-padded at the end (NumPy strips that padding
 * when it reads an element, so does this). Anything else — another dtype or byte order, more dimensions, Fortran order,
 * a header with other keys, data that is shorter or longer than the header says — is refused naming the file; nothing
 * is allocated before the header's size is checked against the file's length.
 */
public final class NpyStrings {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy's own limit on the header it reads ({@code max_header_size}). */
    private static final int MAX_HEADER = 10_000;
    private static final Pattern DESCR = Pattern.compile("<U([1-9][0-9]{0,7})");
    private static final Pattern ENTRY = Pattern.compile(
            "\\s*'(descr|fortran_order|shape)'\\s*:\\s*('[^']*'|True|False|\\([^()]*\\))\\s*(,|(?=}))");
    private static final Pattern SHAPE = Pattern.compile("\\(\\s*([0-9]{1,19})\\s*,\\s*\\)");

    private NpyStrings() {
    }

    /** The strings of the array in {@code file}, in order. */
    public static List<String> read(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            return read(file, Files.size(file), in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("file not found: " + file, e);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": not a .npy file: it ends inside its header", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> read(Path file, long length, DataInputStream in) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException(file + ": not a .npy file (no \\x93NUMPY magic at its start)");
        }
        int major = in.readUnsignedByte(), minor = in.readUnsignedByte();
        if (major < 1 || major > 3 || minor != 0) {
            throw new IllegalArgumentException(file + ": .npy format version " + major + "." + minor
                    + " is not supported (1.0, 2.0 and 3.0 are)");
        }
        long headerLength = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(in.readShort()))
                : Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        long dataStart = MAGIC.length + 2 + (major == 1 ? 2 : 4) + headerLength;
        if (headerLength > MAX_HEADER || dataStart > length) {
            throw new IllegalArgumentException(file + ": .npy header length " + headerLength + " is "
                    + (headerLength > MAX_HEADER ? "over the limit of " + MAX_HEADER + " bytes"
                    : "beyond the end of the " + length + "-byte file"));
        }
        byte[] headerBytes = new byte[(int) headerLength];
        in.readFully(headerBytes);
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(file, header);
        // Width < 10^8 and count < 2^63: the product of count and 4 * width overflows only beyond any real file.
        long expected = Math.multiplyHigh(h.count, 4L * h.width) != 0 ? -1 : h.count * 4L * h.width;
        if (expected != length - dataStart) {
            throw new IllegalArgumentException(file + ": header says " + h.count + " strings of " + h.width
                    + " characters (" + (expected < 0 ? "more than 2^63" : expected) + " bytes of data), the file "
                    + "holds " + (length - dataStart) + " bytes after its header");
        }
        // From here on the header agrees with the file's length, which bounds every allocation.
        if (h.count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(file + ": " + h.count + " strings are more than one list holds");
        }
        List<String> out = new ArrayList<>((int) h.count);
        byte[] element = h.count == 0 ? new byte[0] : new byte[4 * h.width];
        for (long i = 0; i < h.count; i++) {
            in.readFully(element);
            out.add(decode(file, i, element));
        }
        return out;
    }

    /** One element: UTF-32LE code points up to the first of the trailing NULs. */
    private static String decode(Path file, long index, byte[] element) {
        int end = element.length / 4;
        while (end > 0 && codePoint(element, end - 1) == 0) {
            end--;
        }
        StringBuilder sb = new StringBuilder(end);
        for (int c = 0; c < end; c++) {
            int cp = codePoint(element, c);
            if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= Character.MIN_SURROGATE
                    && cp <= Character.MAX_SURROGATE)) {
                throw new IllegalArgumentException(file + ": string " + index + " holds 0x"
                        + Integer.toHexString(cp) + " at character " + c + ", not a Unicode code point");
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static int codePoint(byte[] b, int c) {
        int o = 4 * c;
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    /** The parsed header dict: exactly the keys descr, fortran_order and shape, each once. */
    private record Header(int width, long count) {

        static Header parse(Path file, String text) {
            String body = text.stripTrailing();
            if (!body.startsWith("{") || !body.endsWith("}")) {
                throw bad(file, text, "it is not a dict literal");
            }
            Map<String, String> entries = new LinkedHashMap<>();
            Matcher m = ENTRY.matcher(body);
            int at = 1, close = body.length() - 1;
            while (at < close && !body.substring(at, close).isBlank()) {
                if (!m.find(at) || m.start() != at) {
                    throw bad(file, text, "cannot read it past character " + at
                            + " (only 'descr', 'fortran_order' and 'shape' are expected)");
                }
                if (entries.put(m.group(1), m.group(2)) != null) {
                    throw bad(file, text, "'" + m.group(1) + "' occurs twice");
                }
                at = m.end();
            }
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!entries.containsKey(key)) {
                    throw bad(file, text, "'" + key + "' is missing");
                }
            }
            String descr = entries.get("descr");
            Matcher d = DESCR.matcher(descr.length() >= 2 ? descr.substring(1, descr.length() - 1) : descr);
            if (!descr.startsWith("'") || !d.matches()) {
                throw new IllegalArgumentException(file + ": dtype " + descr + " is not supported: the file must "
                        + "hold little-endian fixed-width unicode strings ('<U' and a width, e.g. '<U16')");
            }
            if (!"False".equals(entries.get("fortran_order"))) {
                throw new IllegalArgumentException(file + ": fortran_order " + entries.get("fortran_order")
                        + " is not supported: a 1-D array is written with fortran_order False");
            }
            Matcher s = SHAPE.matcher(entries.get("shape"));
            if (!s.matches()) {
                throw new IllegalArgumentException(file + ": shape " + entries.get("shape") + " is not supported: "
                        + "the file must hold a 1-D array, shape (N,)");
            }
            long count;
            try {
                count = Long.parseLong(s.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": shape " + entries.get("shape") + " is too large", e);
            }
            return new Header(Integer.parseInt(d.group(1)), count);
        }

        private static IllegalArgumentException bad(Path file, String text, String why) {
            return new IllegalArgumentException(file + ": malformed .npy header (" + why + "): " + text.strip());
        }
    }
}
