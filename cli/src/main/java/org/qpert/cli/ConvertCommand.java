package org.qpert.cli;

import org.qpert.loaders.Inputs;
import org.qpert.loaders.pickle.TorchCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/**
 * {@code qpert convert IN.bin OUT.safetensors}: a PyTorch state dict ({@code torch.save}'s zip format, e.g. open_clip's
 * {@code open_clip_pytorch_model.bin}) to safetensors, read without executing its pickle ({@link TorchCheckpoint}).
 * Writes a temporary file beside OUT and renames it, so a failed run leaves no partial OUT; never overwrites.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a PyTorch checkpoint (.bin/.pt, torch.save zip format) to safetensors. Its pickle is "
                + "never executed: only tensors and the torch globals a state dict needs are read, anything else is "
                + "refused. A 'module.' prefix and a top-level 'state_dict' entry are removed, as open_clip does.")
public final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "PyTorch checkpoint (torch.save zip format).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "safetensors file to create (must not exist).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        new Inputs().file("input", in).checkOutputFile("OUT", out);
        if (Files.exists(out)) {
            throw new IllegalArgumentException("OUT " + out + " already exists; delete it or choose another name");
        }
        Path parent = out.toAbsolutePath().getParent();
        Path part = parent.resolve(out.getFileName() + ".part");
        if (Files.exists(part)) {
            throw new IllegalArgumentException(part + " exists (a conversion in progress or a failed one?); "
                    + "delete it first");
        }
        int count;
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(in)) {
            count = checkpoint.tensors().size();
            checkpoint.writeSafetensors(part);
            Files.move(part, out, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
        spec.commandLine().getOut().println("wrote " + count + " tensors to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
