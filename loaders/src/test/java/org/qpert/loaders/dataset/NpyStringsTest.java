package org.qpert.loaders.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** .npy files written by NumPy 2.4 (src/test/resources/npy/make_npy.py), good and bad. */
class NpyStringsTest {
    private static final List<String> NAMES = List.of("1007129816.jpg", "000000000008.jpg", "101362133.jpg",
            "000000581921.jpg");

    static Path npy(String name) {
        return Path.of("src/test/resources/npy", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"names_v1.npy", "names_v2.npy", "names_v3.npy"})
    void everyFormatVersionReadsTheNames(String file) {
        assertEquals(NAMES, NpyStrings.read(npy(file)));
    }

    @Test
    void unicodeOutsideTheBmpAndEmptyStrings() {
        assertEquals(List.of("caf\u00e9.jpg", "\uD83D\uDE00.png", "", "z"), NpyStrings.read(npy("unicode.npy")));
    }

    @Test
    void anEmptyArray() {
        assertEquals(List.of(), NpyStrings.read(npy("empty.npy")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "big_endian.npy|dtype '>U16' is not supported",
        "int64.npy|dtype '<i8' is not supported",
        "bytes.npy|dtype '|S16' is not supported",
        "two_d.npy|shape (2, 2) is not supported: the file must hold a 1-D array",
        "fortran.npy|fortran_order True is not supported",
        "truncated.npy|header says 4 strings of 16 characters (256 bytes of data), the file holds 249 bytes",
        "trailing.npy|the file holds 260 bytes after its header",
        "claims_huge.npy|header says 4000000000000 strings of 16 characters (256000000000000 bytes of data)",
        "bad_magic.npy|not a .npy file (no \\x93NUMPY magic",
        "bad_version.npy|.npy format version 9.0 is not supported",
        "header_too_long.npy|.npy header length 60000 is over the limit of 10000 bytes",
        "missing_key.npy|malformed .npy header ('fortran_order' is missing)",
        "extra_key.npy|malformed .npy header (cannot read it past character",
        "not_a_dict.npy|malformed .npy header (it is not a dict literal)",
        "bad_utf32.npy|string 3 holds 0x110000 at character 15, not a Unicode code point"})
    void badFilesAreRefusedNamingTheFileAndTheProblem(String file, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyStrings.read(npy(file)));
        assertTrue(e.getMessage().startsWith(npy(file) + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyStrings.read(npy("nope.npy")));
        assertEquals("file not found: " + npy("nope.npy"), e.getMessage());
    }
}
