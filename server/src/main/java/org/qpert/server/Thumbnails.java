package org.qpert.server;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * JPEG thumbnails (longest side {@link #SIZE} px) of stored images, made from the file the store names and kept in a
 * small LRU cache. Only files the store references are ever read, so a client cannot name an arbitrary path.
 */
final class Thumbnails {
    static final int SIZE = 256;
    private static final int CACHED = 1024;

    private final long maxPixels;
    private final Map<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHED;
        }
    };

    Thumbnails(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    byte[] of(String id, String file) throws IOException {
        synchronized (cache) {
            byte[] hit = cache.get(id);
            if (hit != null) {
                return hit;
            }
        }
        if (file == null || !Files.isRegularFile(Path.of(file))) {
            throw new HttpError(404, "the source file of image '" + id + "' is not available");
        }
        byte[] bytes = Files.readAllBytes(Path.of(file));
        UploadedImage.inspect(bytes, maxPixels);
        BufferedImage src = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
        if (src == null) {
            throw new HttpError(404, "the source file of image '" + id + "' cannot be decoded");
        }
        double scale = Math.min(1.0, (double) SIZE / Math.max(src.getWidth(), src.getHeight()));
        int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(src.getHeight() * scale));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ImageIO.write(out, "jpg", buf);
        byte[] jpeg = buf.toByteArray();
        synchronized (cache) {
            cache.put(id, jpeg);
        }
        return jpeg;
    }
}
