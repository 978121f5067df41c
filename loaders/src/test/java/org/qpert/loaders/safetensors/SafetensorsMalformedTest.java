package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of malformed file is refused at open time with a message naming the file (and the tensor). */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    private static final String T_OK = "\"ok\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private SafetensorsException refuse(String header, int dataBytes) throws IOException {
        Path p = RawFiles.write(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
        return refuse(p);
    }

    private static SafetensorsException refuse(Path p) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    private static void assertMentions(SafetensorsException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void wellFormedControlFileOpens() throws IOException {
        Path p = RawFiles.write(dir.resolve("ok.safetensors"), "{" + T_OK + "}", new byte[8]);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(1, f.tensors().size());
        }
    }

    @Test
    void fileShorterThanLengthField() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        assertMentions(refuse(p), "5 bytes", "shorter than the 8-byte");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] h = ("{" + T_OK + "}").getBytes(StandardCharsets.UTF_8);
        Path p = RawFiles.write(dir.resolve("lie.safetensors"), h.length + 100, h, new byte[8]);
        assertMentions(refuse(p), "header length " + (h.length + 100), "runs past the end");
    }

    @Test
    void headerLengthAboveCap() throws IOException {
        Path p = RawFiles.write(dir.resolve("huge.safetensors"), 200L * 1024 * 1024, new byte[16], new byte[0]);
        assertMentions(refuse(p), "header length 209715200", "limit");
    }

    @Test
    void headerLengthWithTopBitSetIsNotNegative() throws IOException {
        Path p = RawFiles.write(dir.resolve("neg.safetensors"), -1L, new byte[16], new byte[0]);
        assertMentions(refuse(p), "18446744073709551615", "limit");
    }

    @Test
    void garbageJson() throws IOException {
        assertMentions(refuse("{\"ok\": {\"dtype\": F32", 8), "not valid JSON");
        assertMentions(refuse("{" + T_OK + "} trailing", 8), "not valid JSON");
        assertMentions(refuse("", 8), "not valid JSON");
    }

    @Test
    void headerMustBeAnObject() throws IOException {
        assertMentions(refuse("[1, 2]", 8), "header must be an object, found an array");
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xff, '"', ':', '1', '}'};
        Path p = RawFiles.write(dir.resolve("utf.safetensors"), h.length, h, new byte[0]);
        assertMentions(refuse(p), "not valid UTF-8");
    }

    @Test
    void duplicateTensorName() throws IOException {
        assertMentions(refuse("{" + T_OK + "," + T_OK.replace("0,8", "8,16") + "}", 16),
                "tensor 'ok'", "appears twice");
    }

    @Test
    void unknownDtype() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "unknown dtype 'F33'");
    }

    @Test
    void wrongFieldTypes() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "'dtype' must be a string, found a number");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "'shape' must be an array");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "must be an integer, found 2.5");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8),
                "tensor 'w'", "exactly 2 integers");
        assertMentions(refuse("{\"w\":[1]}", 8), "tensor 'w'", "entry must be an object");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "tensor 'w'",
                "missing field 'data_offsets'");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8),
                "tensor 'w'", "unknown field 'x'");
    }

    @Test
    void negativeDimension() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "must not be negative");
    }

    @Test
    void shapeProductOverflow() throws IOException {
        long big = 1L << 40;
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + big + "," + big + "],\"data_offsets\":[0,8]}}",
                8), "tensor 'w'", "too many elements");
        // numel fits a long but bytes do not
        assertMentions(refuse("{\"w\":{\"dtype\":\"F64\",\"shape\":[" + (Long.MAX_VALUE / 4)
                + "],\"data_offsets\":[0,8]}}", 8), "tensor 'w'", "too many bytes");
    }

    @Test
    void offsetsPastEndOfData() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8),
                "tensor 'w'", "run past the end of the data section (8 bytes)");
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}",
                8), "tensor 'w'", "out of range");
    }

    @Test
    void offsetsReversed() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8),
                "tensor 'w'", "end before they begin");
    }

    @Test
    void lengthDisagreesWithShape() throws IOException {
        assertMentions(refuse("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w'", "span 8 bytes", "F32[3] needs 12");
    }

    @Test
    void overlappingTensors() throws IOException {
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}";
        assertMentions(refuse("{" + T_OK + "," + b + "}", 12), "tensor 'b'", "overlaps tensor 'ok'");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        assertMentions(refuse("{\"__metadata__\":{\"k\":1}," + T_OK + "}", 8), "__metadata__",
                "value of key 'k' must be a string");
        assertMentions(refuse("{\"__metadata__\":[]," + T_OK + "}", 8), "__metadata__", "must be an object");
        assertMentions(refuse("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}," + T_OK + "}", 8),
                "__metadata__", "key 'k' appears twice");
    }
}
