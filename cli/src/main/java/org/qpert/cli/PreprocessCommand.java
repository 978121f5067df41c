package org.qpert.cli;

import org.qpert.family.ImagePreprocessing;
import org.qpert.family.ModelFamilies;
import org.qpert.loaders.Inputs;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.Owlv2ImageProcessor;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code qpert preprocess --model DIR --out FILE.safetensors IMAGE...}: each image as that checkpoint's family
 * preprocesses it, under {@code resized_u8/S/NAME} ([S, S, 3] U8, after the resize and crop) and
 * {@code pixel_values/S/NAME} ([3, S, S] F32). Without {@code --model}, {@code [--processor blip2|owlv2] --size S}
 * names an HF processor directly and writes {@code pixel_values/NAME} (and, for BLIP-2's, {@code resized_u8/NAME};
 * OWLv2's has no 8-bit stage).
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Decode, resize and CLIP-normalize images into a safetensors file, as BLIP-2's processor "
                + "(Pillow BICUBIC) or OWLv2's (pad to square, Gaussian anti-aliasing, linear zoom) does.")
public final class PreprocessCommand implements Callable<Integer> {

    /** Which HF image processor to reproduce. */
    enum Processor { blip2, owlv2 }

    @Option(names = "--processor", paramLabel = "NAME",
            description = "blip2 (BlipImageProcessor, default) or owlv2 (Owlv2ImageProcessor).")
    Processor processor = Processor.blip2;

    @Option(names = "--size", paramLabel = "S", description = "With --processor: output side in pixels (224 for BLIP-2).")
    Integer size;

    @ArgGroup(exclusive = false)
    ModelOption model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "safetensors file to write.")
    Path out;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse larger images (decompression bombs); default ${DEFAULT-VALUE}.")
    long maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG, JPEG or other ImageIO-readable files.")
    List<Path> images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Flags.atLeast("--max-pixels", maxPixels, 1);
        new Inputs().files("input image", images).model("--model", model == null ? null : model.given()).checkOutputFile("--out", out);
        if (model != null) {
            return byModel(new ImageDecoder(maxPixels));
        }
        if (size == null) {
            throw new IllegalArgumentException("give --model DIR, or --size S with --processor");
        }
        ClipImageProcessor blip2 = processor == Processor.blip2 ? new ClipImageProcessor(size) : null;
        Owlv2ImageProcessor owlv2 = processor == Processor.owlv2 ? new Owlv2ImageProcessor(size) : null;
        ImageDecoder decoder = new ImageDecoder(maxPixels);
        SafetensorsWriter writer = new SafetensorsWriter()
                .metadata("processor", blip2 != null ? "qpert BlipImageProcessor (Pillow BICUBIC)"
                        : "qpert Owlv2ImageProcessor (pad 0.5, Gaussian anti-aliasing, linear zoom)")
                .metadata("mean", Arrays.toString(ClipImageProcessor.CLIP_MEAN))
                .metadata("std", Arrays.toString(ClipImageProcessor.CLIP_STD));
        Map<String, Path> names = new HashMap<>();
        for (Path image : images) {
            String name = nameOf(image);
            Path previous = names.putIfAbsent(name, image);
            if (previous != null) {
                throw new IllegalArgumentException("images " + previous + " and " + image + " have the same name "
                        + name + "; tensors are named by file name without extension");
            }
            if (blip2 != null) {
                RgbImage resized = blip2.resize(decoder.decode(image));
                writer.addF32("pixel_values/" + name, new long[]{3, size, size},
                        ClipImageProcessor.normalize(resized));
                writer.addU8("resized_u8/" + name, new long[]{size, size, 3}, resized.pixels());
            } else {
                writer.addF32("pixel_values/" + name, new long[]{3, size, size},
                        owlv2.pixelValues(decoder.decode(image)));
            }
        }
        writer.write(out);
        spec.commandLine().getOut().println("wrote " + images.size() + " image(s) at " + size + " x " + size
                + " (" + processor + ") to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The model's family preprocesses each image: its 8-bit stage and its pixels, keyed by the model's size. */
    private Integer byModel(ImageDecoder decoder) throws Exception {
        Path dir = model.dir();
        ImagePreprocessing prep = ModelFamilies.of(dir).images(dir);
        int s = prep.size();
        SafetensorsWriter writer = new SafetensorsWriter().metadata("processor", "qpert, the preprocessing of "
                + ModelFamilies.of(dir).name() + " for " + dir);
        Map<String, Path> names = new HashMap<>();
        for (Path image : images) {
            String name = nameOf(image);
            Path previous = names.putIfAbsent(name, image);
            if (previous != null) {
                throw new IllegalArgumentException("images " + previous + " and " + image + " have the same name "
                        + name + "; tensors are named by file name without extension");
            }
            RgbImage resized = prep.resized(decoder.decode(image));
            writer.addU8("resized_u8/" + s + "/" + name, new long[]{s, s, 3}, resized.pixels());
            writer.addF32("pixel_values/" + s + "/" + name, new long[]{3, s, s}, prep.normalize(resized));
        }
        writer.write(out);
        spec.commandLine().getOut().println("wrote " + images.size() + " image(s) at " + s + " x " + s + " ("
                + ModelFamilies.of(dir).name() + ") to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    static String nameOf(Path image) {
        String file = image.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}
