package org.qpert.loaders.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/**
 * Pickles made by PyTorch 2.13 (tools/make_test_pickles.py): converted files must hold exactly the bytes torch saved
 * (made contiguous); every malicious or broken file must be refused with a message naming the problem, and none
 * may run its payload (which would create MARKER).
 */
class TorchCheckpointTest {

    static final Path DIR = Path.of("src/test/resources/pickle");
    static final Path MARKER = Path.of("/tmp/qpert-pickle-was-executed");

    @BeforeAll
    static void noMarkerYet() throws IOException {
        Files.deleteIfExists(MARKER);
    }

    static void assertSameTensors(Path expected, Path actual) throws IOException {
        try (SafetensorsFile e = SafetensorsFile.open(expected); SafetensorsFile a = SafetensorsFile.open(actual)) {
            assertEquals(e.tensors().stream().map(TensorInfo::name).toList(),
                    a.tensors().stream().map(TensorInfo::name).toList());
            for (TensorInfo t : e.tensors()) {
                TensorInfo got = a.info(t.name());
                assertEquals(t.dtype(), got.dtype(), t.name());
                assertArrayEquals(t.shape(), got.shape(), t.name());
                assertEquals(e.bytes(t.name()), a.bytes(t.name()), t.name());
            }
        }
    }

    @Test
    void aStateDictWithViewsSharedStoragesAndThreeFloatTypesConvertsExactly(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out.safetensors");
        try (TorchCheckpoint c = TorchCheckpoint.open(DIR.resolve("state_dict.bin"))) {
            List<String> storages = c.tensors().stream().map(TorchCheckpoint.Tensor::storageKey).distinct().toList();
            assertTrue(storages.size() < c.tensors().size(), "the fixture must share a storage between tensors");
            c.writeSafetensors(out);
        }
        assertSameTensors(DIR.resolve("state_dict.expected.safetensors"), out);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void aTrainingCheckpointIsUnwrappedAndLosesItsModulePrefix(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out.safetensors");
        try (TorchCheckpoint c = TorchCheckpoint.open(DIR.resolve("wrapped.bin"))) {
            c.writeSafetensors(out);
        }
        assertSameTensors(DIR.resolve("wrapped.expected.safetensors"), out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "evil_os_system.bin    | refused global posix.system",
        "evil_eval.bin         | refused global __builtin__.eval",
        "evil_posix_system.bin | refused global posix.system",
        "evil_torch_load.bin   | refused global torch.serialization.load",
        "evil_stack_global.bin | refused global builtins.exec",
        "truncated.bin         | not a torch.save zip archive",
        "missing_storage.bin   | storage entry data/0 is missing",
        "huge_length.bin       | declares 2147483647 bytes where",
        "oversized_view.bin    | does not fit its storage of 4 elements",
        "legacy.bin            | legacy (pre-1.6) format",
    })
    void everyMaliciousOrBrokenFileIsRefusedByName(String name, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchCheckpoint.open(DIR.resolve(name)).close());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains(name), "the message names the file: " + e.getMessage());
        assertFalse(Files.exists(MARKER), "a payload ran");
    }

    @Test
    void globalsAreRefusedWithTheirBytePosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateDictUnpickler.read("\u0080\u0002cos\nsystem\n.".getBytes(
                        java.nio.charset.StandardCharsets.ISO_8859_1), "x.pkl"));
        assertEquals("x.pkl at byte 2: refused global os.system (only torch's storage and tensor-rebuild globals "
                + "and collections.OrderedDict are read; nothing is executed)", e.getMessage());
    }

    @Test
    void opcodesThatBuildArbitraryObjectsAreRefused() {
        // INST (protocol 0's "call a class") and NEWOBJ, each named.
        for (String pickle : List.of("(ios\nsystem\n.", "\u0080\u0002)\u0081.")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StateDictUnpickler.read(pickle.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                            "x.pkl"));
            assertTrue(e.getMessage().contains("INST") || e.getMessage().contains("NEWOBJ"), e.getMessage());
        }
    }
}
